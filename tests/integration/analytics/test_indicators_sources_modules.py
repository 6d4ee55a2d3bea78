"""pdc_80, alert_response_minutes, trace_alerts, stock_levels and claims_pmpm end to end through
`indicators.compute`: patients in the store and the views, the adherence, monitoring, trace and
supply_kpis and claims tables filled by hand (Coverages in the store), values per clinic."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, insert

from enlace.interactions.context import Services
from enlace.modules import supply_kpis, trace
from enlace.modules.adherence.tables import therapies
from enlace.modules.analytics import indicators
from enlace.modules.catalog import FACILITIES
from enlace.modules.claims.tables import lines as claim_lines
from enlace.modules.monitoring.tables import alerts
from enlace.modules.supply_kpis.tables import pairs, snapshots
from enlace.modules.trace.epcis_tables import alerts as trace_alerts
from tests.support.emptying import empty_tables

MINUTE = 60_000_000


def _write(services: Services, resource: dict[str, Any]) -> None:
    with services.db.begin() as conn:
        services.repo.update(conn, resource, resource["id"])


def _seed_patients(services: Services) -> None:
    _write(services, {"resourceType": "Organization", "id": "imss", "name": "IMSS"})
    for clinic in ("umf1", "umf2"):
        _write(services, {"resourceType": "Organization", "id": clinic, "name": clinic.upper(),
                          "partOf": {"reference": "Organization/imss"},
                          "address": [{"state": "14"}]})  # fmt: skip
    for pid, clinic in (("p1", "umf1"), ("p2", "umf1"), ("p3", "umf2"), ("p4", None)):
        patient: dict[str, Any] = {"resourceType": "Patient", "id": pid, "gender": "male",
                                   "birthDate": "1960-01-01"}  # fmt: skip
        if clinic:
            patient["managingOrganization"] = {"reference": f"Organization/{clinic}"}
        _write(services, patient)
    indicators.refresh_sources(services, full=True)


def _therapy(patient: str, therapy: str, clinic: str, pdc: float, as_of: str) -> dict[str, Any]:
    return {"patient": patient, "therapy": therapy, "as_of": as_of, "medication": "m",
            "fills": 3, "first_fill": "2026-01-01", "last_fill": "2026-09-01", "pdc": pdc,
            "mpr": pdc, "supply_left": 0, "covered_until": "2026-09-30",
            "persistence_days": 200, "switched": False, "clinic": clinic}  # fmt: skip


def _alert(id_: str, patient: str, opened: str, waited_minutes: int) -> dict[str, Any]:
    at = int(datetime.fromisoformat(opened).replace(tzinfo=UTC).timestamp()) * 1_000_000
    return {"id": id_, "patient": patient, "rule": "bp-crisis", "severity": "urgent",
            "status": "acknowledged", "opened_us": at, "received_us": at,
            "last_evidence_us": at, "acknowledged_us": at + waited_minutes * MINUTE,
            "escalation_level": 0, "summary": "s", "evidence": "{}"}  # fmt: skip


def _by_clinic(cells: list[indicators.Cell]) -> dict[tuple[str, str], tuple[Any, ...]]:
    return {(c.indicator, c.unit): (c.numerator, c.denominator, c.value, c.reason) for c in cells}


def test_pdc_and_alert_response_per_clinic(services: Services) -> None:
    _seed_patients(services)
    with services.db.begin() as conn:
        conn.execute(insert(therapies), [
            _therapy("p1", "atc:A10BA", "umf1", 0.9, "2026-09-30"),
            _therapy("p1", "atc:C09AA", "umf1", 0.85, "2026-09-30"),
            _therapy("p2", "atc:A10BA", "umf1", 0.5, "2026-09-15"),
            _therapy("p2", "atc:C09AA", "umf1", 0.95, "2026-10-02"),  # measured after September
        ])  # fmt: skip
        conn.execute(insert(alerts), [
            _alert("a1", "p1", "2026-09-03T10:00:00", 10),
            _alert("a2", "p2", "2026-09-20T22:00:00", 30),
            _alert("a3", "p3", "2026-09-05T09:00:00", 7),
            _alert("a4", "p4", "2026-09-05T09:00:00", 500),  # no clinic: not attributed
            _alert("a5", "p3", "2026-10-01T00:00:00", 100),  # October
        ])  # fmt: skip
    wanted = ["pdc_80", "alert_response_minutes"]
    cells = indicators.compute(services, wanted, "2026-09", "clinic",
                               role_can_see_identities=True)  # fmt: skip
    found = _by_clinic(cells)
    # umf1: p1's two therapies adherent, p2's measured one not (the other is after the period)
    assert found["pdc_80", "umf1"] == (2.0, 3.0, 66.67, None)
    assert found["pdc_80", "umf2"][2] is None  # no therapy measured: not computable, never 0 %
    assert found["pdc_80", "umf2"][3] == "not computable: empty population"
    # umf1: (10 + 30) minutes / 2 alerts; umf2: 7 minutes / 1 alert
    assert found["alert_response_minutes", "umf1"] == (40.0, 2.0, 20.0, None)
    assert found["alert_response_minutes", "umf2"] == (7.0, 1.0, 7.0, None)
    national = indicators.compute(services, wanted, "2026-09", "national",
                                  role_can_see_identities=True)  # fmt: skip
    assert _by_clinic(national)["alert_response_minutes", "MX"][:3] == (47.0, 3.0, 15.667)


def test_without_module_data_both_are_not_computable(services: Services) -> None:
    _seed_patients(services)
    cells = indicators.compute(services, ["pdc_80", "alert_response_minutes"], "2026-09",
                               "national", role_can_see_identities=True)  # fmt: skip
    assert [(c.indicator, c.value, c.reason) for c in cells] == [
        ("pdc_80", None, "not computable: empty population"),
        ("alert_response_minutes", None, "not computable: empty population"),
    ]


def _facility_patients(services: Services, slugs: list[str]) -> None:
    for n, slug in enumerate(slugs):
        _write(services, {"resourceType": "Organization", "id": f"org-{slug}", "name": slug})
        _write(services, {"resourceType": "Patient", "id": f"fp{n}", "gender": "female",
                          "birthDate": "1970-01-01",
                          "managingOrganization": {"reference": f"Organization/org-{slug}"}})  # fmt: skip
    _write(services, {"resourceType": "Organization", "id": "org-not-a-facility", "name": "x"})
    _write(services, {"resourceType": "Patient", "id": "fpx", "gender": "male",
                      "birthDate": "1970-01-01",
                      "managingOrganization": {"reference": "Organization/org-not-a-facility"}})  # fmt: skip
    indicators.refresh_sources(services, full=True)


def _trace_alert(slug: str, created: str) -> dict[str, Any]:
    at = int(datetime.fromisoformat(created).replace(tzinfo=UTC).timestamp()) * 1_000_000
    return {"kind": "unknown-epc", "epc": None, "event_id": None, "message": "m",
            "location": trace.facility_location_id(slug), "created_us": at}  # fmt: skip


def _pair(day: str, facility: str, product: str, on_hand: int) -> dict[str, Any]:
    return {"day": day, "facility": facility, "product": product, "on_hand": on_hand,
            "issued": 0, "days_out": 0, "stocked_out": 0, "plan": 9, "reported": 1}  # fmt: skip


def test_trace_alerts_and_stock_levels_per_facility_clinic(services: Services) -> None:
    a, b = FACILITIES[0].slug, FACILITIES[1].slug
    _facility_patients(services, [a, b])
    try:
        with services.db.begin() as conn:
            conn.execute(insert(trace_alerts), [
                _trace_alert(a, "2026-09-02T10:00:00"), _trace_alert(a, "2026-09-29T10:00:00"),
                _trace_alert(a, "2026-10-01T00:00:00"),  # October
            ])  # fmt: skip
            conn.execute(insert(snapshots), [
                {"day": d, "taken_us": 1, "pairs": 0, "facilities": 0, "alerts": 0}
                for d in ("2026-09-10", "2026-09-30")
            ])  # fmt: skip
            conn.execute(insert(pairs), [
                _pair("2026-09-10", a, "met", 900),  # not the last snapshot day
                _pair("2026-09-30", a, "met", 40), _pair("2026-09-30", a, "abc", 2),
            ])  # fmt: skip
        wanted = ["trace_alerts", "stock_levels"]
        found = _by_clinic(indicators.compute(services, wanted, "2026-09", "clinic",
                                              role_can_see_identities=True))  # fmt: skip
        assert found["trace_alerts", f"org-{a}"] == (2.0, 1.0, 2.0, None)
        assert found["trace_alerts", f"org-{b}"] == (0.0, 1.0, 0.0, None)  # a facility, none
        assert found["trace_alerts", "org-not-a-facility"][2] is None
        assert found["stock_levels", f"org-{a}"] == (42.0, 1.0, 42.0, None)
        assert found["stock_levels", f"org-{b}"][2] is None  # no stock pairs: not computable
    finally:
        if services.db.dialect == "postgresql":  # conftest does not empty supply_kpis' tables
            with services.db.begin() as conn:
                empty_tables(conn, supply_kpis.SUPPLY_KPI_TABLES)


def _claim(claim: str, patient: str, centavos: int) -> dict[str, Any]:
    return {"claim_id": claim, "sequence": 1, "service_date": date(2026, 9, 10),
            "payer": "imss", "pharmacy": "ph", "patient": patient, "coverage": "c",
            "medication": "met", "packs": 1, "unit_centavos": centavos,
            "submitted_centavos": centavos, "payer_centavos": centavos, "patient_centavos": 0,
            "reason": "", "outcome": "complete", "created_us": 1}  # fmt: skip


def _covered(services: Services, patient: str, start: str, end: str) -> None:
    _write(services, {"resourceType": "Coverage", "id": f"cov-{patient}", "status": "active",
                      "beneficiary": {"reference": f"Patient/{patient}"},
                      "payor": [{"reference": "Organization/imss"}],
                      "period": {"start": start, "end": end}})  # fmt: skip


def test_claims_pmpm_per_clinic(services: Services) -> None:
    _seed_patients(services)  # p1, p2 at umf1; p3 at umf2; p4 without a clinic
    _covered(services, "p1", "2026-01-01", "2026-12-31")  # all September: 1 member-month
    _covered(services, "p2", "2026-09-16", "2026-12-31")  # 15 of 30 days: 0.5
    _covered(services, "p4", "2026-01-01", "2026-12-31")  # no clinic: not attributed
    with services.db.begin() as conn:
        conn.execute(delete(claim_lines))  # conftest does not empty the claims tables
        conn.execute(insert(claim_lines), [
            _claim("k1", "p1", 10_000), _claim("k2", "p2", 5_050),
            _claim("k3", "p3", 2_000),  # umf2 has no member-months: no denominator
            _claim("k4", "p4", 99_900),
        ])  # fmt: skip
    found = _by_clinic(indicators.compute(services, ["claims_pmpm"], "2026-09", "clinic",
                                          role_can_see_identities=True))  # fmt: skip
    # umf1: (100.00 + 50.50) pesos / 1.5 member-months = 100.333
    assert found["claims_pmpm", "umf1"] == (150.5, 1.5, 100.333, None)
    assert found["claims_pmpm", "umf2"][2:] == (None, "not computable: empty population")
