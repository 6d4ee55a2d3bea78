"""The patient's own summary (issue 13 part 5): `GET /my/summary[?patient=]` for a patient or
caregiver — my control over time (HbA1c and blood pressure, charted against their targets) and
my adherence (the latest PDC per therapy the adherence job published as Observations). Read
through the patient's own FHIR access, so nobody else's record can be asked for."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.security.roles import PATIENT_ROLES
from enlace.security.users import User

from . import analytics_strings, charts, i18n, nav, render
from .fhir_reads import Reader, matches
from .money_pages import chosen_patient
from .nav import NavItem
from .page_guard import guarded
from .shell import Shell

LOINC = "http://loinc.org"
HBA1C, BP_PANEL, SYSTOLIC, DIASTOLIC = "4548-4", "85354-9", "8480-6", "8462-4"
ADHERENCE = "https://enlace.health/fhir/CodeSystem/adherence|therapy-adherence"
MOST = 200  # observations of one kind read for the chart


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(analytics_strings.STRINGS)
    nav.register(NavItem("/my/summary", "nav.my_summary", PATIENT_ROLES, 15))
    app.include_router(_router(Shell(services)))


def _router(shell: Shell) -> APIRouter:
    router = APIRouter()

    @router.get("/my/summary")
    async def summary_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            reader = shell.reader(request, user)
            own = tuple(reader.access.patients)
            patient = chosen_patient(request, user, own)
            found = await run_in_threadpool(_summary, reader, patient) if patient else None
            lang = render.language(request)
            return shell.view(request, user, "my_summary.html", own=own, patient=patient,
                              summary=found, figures=_figures(found, lang))  # fmt: skip

        return await guarded(shell, request, PATIENT_ROLES, work, "analytics.bad_input")

    return router


def _summary(reader: Reader, patient: str) -> dict[str, Any]:
    def observations(code: str) -> list[dict[str, Any]]:
        params = [("patient", patient), ("code", code), ("_sort", "date"), ("_count", str(MOST))]
        return matches(reader.search("Observation", params))

    hba1c = [(_when(o), v) for o in observations(f"{LOINC}|{HBA1C}")
             if (v := _value(o)) is not None and _when(o)]  # fmt: skip
    systolic, diastolic = [], []
    for o in observations(f"{LOINC}|{BP_PANEL}"):
        when = _when(o)
        parts = {_code(c): _value(c) for c in o.get("component", [])}
        if when and parts.get(SYSTOLIC) is not None:
            systolic.append((when, parts[SYSTOLIC]))
        if when and parts.get(DIASTOLIC) is not None:
            diastolic.append((when, parts[DIASTOLIC]))
    return {"hba1c": hba1c, "systolic": systolic, "diastolic": diastolic,
            "therapies": _therapies(observations(ADHERENCE))}  # fmt: skip


def _therapies(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The latest measurement of each therapy (by the end of its period)."""
    latest: dict[str, dict[str, Any]] = {}
    for o in found:
        parts = {_code(c): c for c in o.get("component", [])}
        kind = parts.get("therapy-class", {}).get("valueCodeableConcept", {})
        therapy = kind.get("text") or (kind.get("coding") or [{}])[0].get("code") or "?"
        row = {
            "therapy": therapy,
            "pdc": _value(parts.get("pdc", {})),
            "reason": parts.get("pdc", {}).get("dataAbsentReason", {}).get("text"),
            "adherent": parts.get("adherent", {}).get("valueBoolean"),
            "end": o.get("effectivePeriod", {}).get("end", ""),
            "start": o.get("effectivePeriod", {}).get("start", ""),
        }
        if therapy not in latest or row["end"] >= latest[therapy]["end"]:
            latest[therapy] = row
    return sorted(latest.values(), key=lambda r: r["therapy"])


def _code(element: dict[str, Any]) -> str:
    return str(((element.get("code") or {}).get("coding") or [{}])[0].get("code", ""))


def _value(element: dict[str, Any]) -> float | None:
    value = (element.get("valueQuantity") or {}).get("value")
    return float(value) if isinstance(value, int | float) else None


def _when(o: dict[str, Any]) -> date | None:
    text = o.get("effectiveDateTime") or (o.get("effectivePeriod") or {}).get("start")
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def _figures(summary: dict[str, Any] | None, lang: str) -> dict[str, Any]:
    if summary is None:
        return {}
    t = i18n.translator(lang)
    return {
        "hba1c": charts.time_chart(
            "hba1c", t("my_summary.hba1c"), "%",
            [charts.Series("HbA1c", summary["hba1c"])], lang,
            thresholds=[charts.Threshold(7.0, t("my_summary.target_hba1c"))],
        ),
        "bp": charts.time_chart(
            "bp", t("my_summary.bp"), "mmHg",
            [charts.Series(t("my_summary.systolic"), summary["systolic"]),
             charts.Series(t("my_summary.diastolic"), summary["diastolic"])], lang,
            thresholds=[charts.Threshold(130.0, "130"), charts.Threshold(80.0, "80")],
        ),
    }  # fmt: skip
