"""What the patient app's pages show, gathered off the event loop: today's doses (engagement),
each prescription's next refill (pharmacy.refill_status over the patient's dispenses) and home
deliveries, the self-monitoring charts (monitoring's reports, as the physician's timeline draws
them) and upcoming appointments (care). FHIR reads go through the person's Reader (scopes,
consent, audit); the module reads are for the patient the person acts for, checked first."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from enlace.kernel.clock import epoch_us
from enlace.kernel.logging import request_id_var
from enlace.modules import care, engagement, pharmacy
from enlace.modules.monitoring import reports
from enlace.security.audit_trail import RequestContext

from . import i18n, monitoring_views
from .fhir_reads import Reader, matches

LOCAL = ZoneInfo("America/Mexico_City")  # the patients' clock; the app shows local days
CHART_DAYS = 30
SHOWN_DELIVERIES = 3


def local_now(reader: Reader) -> datetime:
    return reader.services.repo.clock().astimezone(LOCAL)


def today_view(reader: Reader, patient: str, lang: str) -> dict[str, Any]:
    services = reader.services
    reader.read("Patient", patient)  # a record the person may not see is the 404 page
    now = local_now(reader)
    doses = engagement.doses_for(services.db, services.repo, patient, now.date())
    requests = matches(reader.search("MedicationRequest", [
        ("patient", patient), ("status", "active"), ("_count", "50")]))  # fmt: skip
    dispenses = matches(reader.search("MedicationDispense", [
        ("patient", patient), ("_count", "200")])) if reader.may_search("MedicationDispense") else []  # fmt: skip
    return {
        "day": now.date().isoformat(),
        "doses": [_dose_row(d) for d in doses],
        "refills": _refills(requests, dispenses, now.date(), lang),
        "deliveries": _deliveries(reader, patient, lang),
    }


def _dose_row(d: engagement.DoseSlot) -> dict[str, Any]:
    return {"request": d.request, "medicine": d.medicine, "dose": d.dose, "slot": d.slot,
            "as_needed": d.slot == engagement.domain.AS_NEEDED_SLOT, "status": d.status,
            "source": d.source}  # fmt: skip


def _refills(
    requests: list[dict[str, Any]], dispenses: list[dict[str, Any]], today: date, lang: str
) -> list[dict[str, str]]:
    rows = []
    for rx in requests:
        reference = f"MedicationRequest/{rx.get('id')}"
        own = [d for d in dispenses
               if any(a.get("reference") == reference for a in d.get("authorizingPrescription", []))]  # fmt: skip
        status = pharmacy.refill_status(rx, own, today)
        rows.append({"medicine": engagement.doses.medicine_name(rx),
                     "next": i18n.format_date(status.next_due, lang), "state": status.state,
                     "delivery": status.fulfilment})  # fmt: skip
    return sorted(rows, key=lambda r: r["medicine"])


def _deliveries(reader: Reader, patient: str, lang: str) -> list[dict[str, str]]:
    if not reader.may_search("SupplyDelivery"):
        return []
    found = matches(reader.search("SupplyDelivery", [
        ("patient", patient), ("_sort", "-_lastUpdated"), ("_count", str(SHOWN_DELIVERIES))]))  # fmt: skip
    rows = []
    for d in found:
        when = str(d.get("occurrenceDateTime") or "")
        try:
            shown = i18n.format_datetime(datetime.fromisoformat(when).astimezone(LOCAL), lang)
        except ValueError:
            shown = ""
        rows.append({"status": str(d.get("status", "")), "when": shown})
    return rows


def readings_view(reader: Reader, patient: str, lang: str) -> dict[str, Any]:
    """The 30-day charts of the patient's readings (devices and self-entered alike), with the
    patient's own glucose and BP targets; one audit entry, as the physician's timeline writes."""
    services = reader.services
    reader.read("Patient", patient)
    goals = matches(reader.search("Goal", [("patient", patient), ("_count", "50")])) \
        if reader.may_search("Goal") else []  # fmt: skip
    _audited(reader, patient)
    now_us = epoch_us(services.repo.clock())
    with services.db.read() as conn:
        drawn = reports.chart_series(conn, patient, CHART_DAYS, now_us)
        vitals = reports.vitals_report(conn, patient, now_us, reports.bp_target(goals))
    charts = monitoring_views.timeline_view(drawn, vitals, [], [], lang)["charts"]
    wanted = ("chart-glucose", "chart-bp", "chart-weight")
    d = engagement.domain
    danger = {"glucose_low": d.DANGER[d.GLUCOSE][0], "glucose_high": d.DANGER[d.GLUCOSE][1],
              "systolic_high": d.DANGER[d.SYSTOLIC][1], "diastolic_high": d.DANGER[d.DIASTOLIC][1]}  # fmt: skip
    return {"charts": [c for c in charts if c.id in wanted], "danger": danger}


def _audited(reader: Reader, patient: str) -> None:
    trail = reader.services.audit
    if trail is None:
        return
    context = RequestContext(reader.access, request_id_var.get(), reader.source_ip)
    shown = orjson.dumps({"subject": {"reference": f"Patient/{patient}"}})
    trail.read(context, "patient-app-readings", [("Observation", f"readings-{patient}", shown)], "")


def visits_view(reader: Reader, patient: str) -> dict[str, Any]:
    services = reader.services
    reader.read("Patient", patient)
    now_us = epoch_us(services.repo.clock())
    with services.db.read() as conn:
        mine = care.scheduling.of_patient(conn, patient, now_us)
    return {"appointments": [{"start": datetime.fromtimestamp(a.start_us / 1e6, UTC)
                              .astimezone(LOCAL), "mode": a.mode} for a in mine[:10]]}  # fmt: skip
