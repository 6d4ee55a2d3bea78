"""Needs at a cadence: due days hand-counted, an infusion's cadence read from its
MedicationRequest, bad needs named field by field."""

from __future__ import annotations

from datetime import date

import pytest

from enlace.kernel import errors
from enlace.modules.homecare import Need, Nurse, need_from_prescription
from enlace.modules.homecare import needs as needs_module
from enlace.modules.homecare import nurses as nurses_module

HOME = {"zone": "norte", "latitude": 19.45, "longitude": -99.14}


def request(repeat: dict[str, object]) -> dict[str, object]:
    return {
        "resourceType": "MedicationRequest",
        "id": "rx1",
        "subject": {"reference": "Patient/p1"},
        "dosageInstruction": [{"timing": {"repeat": repeat}}],
    }


def test_every_two_weeks_from_the_bounds_start_until_its_end() -> None:
    repeat = {
        "frequency": 1,
        "period": 2,
        "periodUnit": "wk",
        "boundsPeriod": {"start": "2026-11-12T10:00:00-06:00", "end": "2026-12-24"},
    }
    need = need_from_prescription(request(repeat), **HOME)
    assert (need.id, need.patient, need.kind, need.every_days) == ("mr-rx1", "p1", "infusion", 14)
    assert need.needed_skill == "infusion"
    days = [date(2026, 11, 1).fromordinal(date(2026, 11, 1).toordinal() + k) for k in range(60)]
    # 12 Nov, 26 Nov, 10 Dec, 24 Dec; 7 Jan would be after boundsPeriod.end.
    assert [d.isoformat() for d in days if need.due(d)] == [
        "2026-11-12",
        "2026-11-26",
        "2026-12-10",
        "2026-12-24",
    ]


@pytest.mark.parametrize(
    "repeat",
    [
        {"period": 1, "periodUnit": "mo", "boundsPeriod": {"start": "2026-11-12"}},
        {"period": 14, "periodUnit": "d"},
        {"period": "x", "boundsPeriod": {"start": "2026-11-12"}},
    ],
)
def test_an_unusable_schedule_is_a_400_at_the_timing(repeat: dict[str, object]) -> None:
    with pytest.raises(errors.FhirError) as refused:
        need_from_prescription(request(repeat), **HOME)
    assert refused.value.status == 400
    assert refused.value.issues[0].expression.endswith("timing.repeat")  # type: ignore[union-attr]


def test_twice_a_period_is_not_a_home_infusion() -> None:
    repeat = {
        "frequency": 2,
        "period": 1,
        "periodUnit": "d",
        "boundsPeriod": {"start": "2026-11-12"},
    }
    with pytest.raises(errors.FhirError) as refused:
        need_from_prescription(request(repeat), **HOME)
    assert refused.value.issues[0].expression.endswith("frequency")  # type: ignore[union-attr]


def test_bad_needs_and_nurses_are_named_field_by_field() -> None:
    need = Need(
        "n", "p", "massage", "z", 95, 0, date(2026, 11, 1), 7, window_start=600, window_end=620
    )
    assert sorted(str(i.expression) for i in needs_module.problems(need)) == [
        "address",
        "kind",
        "skill",
        "window",
    ]
    nurse = Nurse("x", "X", frozenset({"infusion"}), frozenset({"norte"}), 19.4, -99.1, 900, 800)
    assert [i.expression for i in nurses_module.problems(nurse)] == ["shift"]
