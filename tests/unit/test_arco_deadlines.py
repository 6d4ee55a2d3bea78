"""ARCO deadlines in business days (días hábiles), and what each kind of request must say."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from enlace.kernel.clock import epoch_us
from enlace.kernel.errors import FhirError
from enlace.security import arco_details
from enlace.security.arco_deadlines import (
    MEXICO_CITY,
    BusinessCalendar,
    check_term,
    due_us,
    federal_holidays,
    parse_calendar,
)

PLAIN = BusinessCalendar()


def local_us(year: int, month: int, day: int, hour: int = 10) -> int:
    return epoch_us(datetime(year, month, day, hour, tzinfo=MEXICO_CITY))


def due_date(filed_us: int, days: int, calendar: BusinessCalendar = PLAIN) -> date:
    return datetime.fromtimestamp(due_us(filed_us, days, calendar) / 1e6, MEXICO_CITY).date()


def test_federal_holidays_follow_the_labour_law() -> None:
    assert federal_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 2, 2),  # first Monday of February
        date(2026, 3, 16),  # third Monday of March
        date(2026, 5, 1),
        date(2026, 9, 16),
        date(2026, 11, 16),  # third Monday of November
        date(2026, 12, 25),
    }
    assert date(2024, 10, 1) in federal_holidays(2024)  # change of federal executive
    assert date(2030, 10, 1) in federal_holidays(2030)
    assert date(2018, 12, 1) in federal_holidays(2018)
    assert date(2027, 10, 1) not in federal_holidays(2027)


def test_a_term_skips_the_weekend() -> None:
    friday = local_us(2026, 3, 6)
    assert due_date(friday, 1) == date(2026, 3, 9)  # Monday
    assert due_date(friday, 5) == date(2026, 3, 13)
    # Filed on Saturday or Sunday: Monday is the first day counted, as for Friday.
    assert (
        due_date(local_us(2026, 3, 7), 1) == due_date(local_us(2026, 3, 8), 1) == date(2026, 3, 9)
    )


def test_a_term_skips_a_federal_holiday() -> None:
    friday = local_us(2026, 3, 13)
    assert due_date(friday, 1) == date(2026, 3, 17)  # Monday 16 March is Benito Juárez day
    assert due_date(friday, 1, BusinessCalendar(federal=False)) == date(2026, 3, 16)


def test_the_default_answer_term_and_configured_extra_days() -> None:
    monday = local_us(2026, 3, 2)
    assert due_date(monday, 20) == date(2026, 3, 31)
    calendar = parse_calendar(["2026-03-04", "03-30"])  # once, and every year
    assert due_date(monday, 20, calendar) == date(2026, 4, 2)
    assert due_date(monday, 15) == date(2026, 3, 24)


def test_a_term_ends_at_the_close_of_its_last_day_in_mexico_city() -> None:
    # Friday 23:30 in Mexico City is already Saturday in UTC: the local date decides.
    late_friday = epoch_us(datetime(2026, 3, 7, 5, 30, tzinfo=UTC))
    deadline = due_us(late_friday, 1, PLAIN)
    assert deadline == epoch_us(datetime(2026, 3, 10, 5, 59, 59, 999999, tzinfo=UTC))
    assert datetime.fromtimestamp((deadline + 1) / 1e6, MEXICO_CITY).hour == 0


def test_bad_calendar_values_and_terms_are_refused() -> None:
    for bad in ("2026-13-01", "02-30", "tomorrow", "3-1"):
        with pytest.raises(FhirError) as refused:
            parse_calendar([bad])
        assert refused.value.status == 400 and bad in refused.value.message
    with pytest.raises(FhirError):
        check_term("ENLACE_ARCO_ANSWER_DAYS", 0)
    assert check_term("ENLACE_ARCO_ANSWER_DAYS", 20) == 20


def test_details_are_checked_per_right() -> None:
    assert arco_details.validate("access", None) == {}
    rectify = {"what": "Mi fecha de nacimiento", "correction": "1970-05-02"}
    assert arco_details.validate("rectification", rectify) == rectify
    cancel = {"resources": ["Observation/o1", "Observation/o1"]}
    assert arco_details.validate("cancellation", cancel) == {"resources": ["Observation/o1"]}
    oppose = {"purpose": "HMARKT", "actor": "Organization/ins1"}
    assert arco_details.validate("opposition", oppose) == oppose


@pytest.mark.parametrize(
    ("kind", "details", "where"),
    [
        ("deletion", {}, "kind"),
        ("access", {"format": "pdf"}, "details.format"),
        ("rectification", {"what": "mi nombre"}, "details.correction"),
        ("rectification", {"what": " ", "correction": "Ana"}, "details.what"),
        ("cancellation", {}, "details.scope"),
        ("cancellation", {"scope": "all", "resources": ["Observation/1"]}, "details.scope"),
        ("cancellation", {"scope": "everything"}, "details.scope"),
        ("cancellation", {"resources": []}, "details.resources"),
        ("cancellation", {"resources": ["Observation/"]}, "details.resources[0]"),
        ("opposition", {}, "details.purpose"),
        ("opposition", {"purpose": "TREAT"}, "details.purpose"),
        ("opposition", {"actor": "Patient/p2"}, "details.actor"),
        ("access", "todo", "details"),
    ],
)
def test_bad_details_name_the_problem(kind: str, details: object, where: str) -> None:
    with pytest.raises(FhirError) as refused:
        arco_details.validate(kind, details)
    assert refused.value.status == 400
    assert refused.value.issues[0].expression == where
