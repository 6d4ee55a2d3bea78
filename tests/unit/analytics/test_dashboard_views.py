"""Dashboard view-models without a database: how cells print (suppressed "< 11", not
computable never 0), the query checks and scoping of each board, the download rows and the
monthly PDF drawn from hand-made cells."""

from __future__ import annotations

from datetime import date

import pytest

from enlace.entrypoints.web import analytics_pdf, analytics_strings, i18n
from enlace.entrypoints.web import analytics_views as views
from enlace.kernel import errors
from enlace.modules.analytics.indicators import Cell, Comparison
from enlace.security.accounts import User

TODAY = date(2026, 11, 26)


def user(role: str, organization: str | None = None, fhir_user: str | None = None) -> User:
    return User("u1", "u", "U", role, organization, fhir_user, (), False)


def cell(value: float | None, num: float | None = None, den: float | None = None,
         suppressed: bool = False, reason: str | None = None, period: str = "2026-09",
         unit: str = "c1") -> Cell:  # fmt: skip
    return Cell("dm2_hba1c_lt7", period, "clinic", unit, "UMF 1", num, den, value, reason,
                suppressed)  # fmt: skip


def test_cells_print_suppressed_and_not_computable_never_zero() -> None:
    assert (
        views.shown(cell(None, suppressed=True, reason="suppressed: fewer than 11"), "es") == "< 11"
    )
    assert views.shown(cell(None, 0, 0, reason="not computable: empty population"), "es") == (
        "no calculable"
    )
    assert views.shown(cell(None, 0, 0), "en") == "not computable"
    assert views.shown(cell(75.0, 18, 24), "es") == "75"
    assert views.shown(cell(60.34, 35, 58), "es") == "60.34"
    assert views.status(cell(None, suppressed=True)) == "suppressed"
    assert views.whole(15.0) == 15 and views.whole(2.5) == 2.5 and views.whole(None) is None


def test_query_defaults_checks_and_scoping() -> None:
    board = views.BOARDS["public-health"]
    asked = views.ask(board, user("regulator"), {}, TODAY)
    assert (asked.period.label, asked.level, asked.within, asked.identities) == (
        "2026-10", "national", None, False)  # fmt: skip
    assert views.default_period(date(2026, 1, 5)) == "2025-12"
    drilled = views.ask(board, user("regulator"), {"level": "clinic", "unit": "state:14"}, TODAY)
    assert drilled.within == ("state", "14")
    for bad, where in (({"level": "patient"}, "level"), ({"unit": "clinic:x", "level": "state"},
                       "unit"), ({"indicator": "nope"}, "indicator"), ({"period": "2026-13"},
                       "period")):  # fmt: skip
        with pytest.raises(errors.FhirError) as refused:
            views.ask(board, user("regulator"), bad, TODAY)
        assert refused.value.status == 400 and where in str(refused.value.outcome), bad
    nurse = user("nurse", "umf-a")
    own = views.ask(
        views.BOARDS["clinic"], nurse, {"level": "physician", "unit": "clinic:umf-z"}, TODAY
    )
    assert (own.within, own.only_unit) == (("clinic", "umf-a"), None)  # their clinic, not umf-z
    row = views.ask(views.BOARDS["clinic"], nurse, {}, TODAY)
    assert (row.level, row.within, row.only_unit) == ("clinic", None, "umf-a")
    panel = views.BOARDS["panel"]
    doctor = user("physician", "umf-a", "Practitioner/dr-a")
    listed = views.ask(panel, doctor, {"level": "patient", "unit": "physician:dr-z"}, TODAY)
    assert (listed.within, listed.identities) == (("physician", "dr-a"), True)
    with pytest.raises(errors.FhirError) as no_doctor:
        views.ask(panel, user("physician"), {}, TODAY)
    assert no_doctor.value.status == 403


def test_monthly_pdf_from_hand_made_cells() -> None:
    rows = [
        Comparison(
            "dm2_hba1c_lt7", "c1", "UMF 1", cell(75.0, 18, 24), cell(70.0, 14, 20, period="2026-08")
        ),
        Comparison(
            "cms122_hba1c_gt9",
            "c1",
            "UMF 1",
            Cell(
                "cms122_hba1c_gt9",
                "2026-09",
                "clinic",
                "c1",
                "UMF 1",
                None,
                None,
                None,
                "suppressed: fewer than 11",
                True,
            ),
            cell(None, 0, 0, reason="not computable: empty population"),
        ),
    ]
    i18n.extend(analytics_strings.STRINGS)
    pdf = analytics_pdf.render(rows, "clinic", "c1", "2026-09", "es", i18n.translator("es-MX"))
    assert pdf.startswith(b"%PDF")
    for text in (b"Reporte mensual de indicadores", b"UMF 1 (c1)", b"75", b"70", b"+5",
                 b"< 11", b"no calculable"):  # fmt: skip
        assert text in pdf.replace(b"\\(", b"(").replace(b"\\)", b")"), text
