"""The pharmacy counter (issue 8 part 8): the prescriptions to dispense and scan-to-dispense.

- `/pharmacy/dispense[?patient=]` (pharmacist): active prescriptions routed to the pharmacist's
  pharmacy (`intended-dispenser`), or a walk-in patient's active prescriptions, read through
  the FHIR router as the pharmacist.
- `/pharmacy/dispense/{rx}`: the prescription, the first-expiry-first-out pick list from the
  stock ledger, and a box for the scanned codes (a scanner types each and Enter); POST (CSRF)
  sends `MedicationDispense/$dispense` through the router as the pharmacist: dispensed (what
  the patient pays, the claim's outcome) or the refusal's message, nothing changed.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.modules import inventory
from enlace.modules.catalog import medicine_by_slug
from enlace.security.users import FHIR_ID, User

from . import counter_strings, i18n, nav
from .fhir_reads import Reader, matches
from .nav import NavItem
from .page_guard import BadInput, guarded, money, posted_form
from .patient_view import human_name
from .shell import Shell

COUNTER = ("pharmacist",)
QUEUE = 50
FULFILMENT = "https://enlace.health/fhir/StructureDefinition/prescription-fulfilment"


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(counter_strings.STRINGS)
    nav.register(NavItem("/pharmacy/dispense", "nav.counter", COUNTER, 25))
    app.include_router(_router(Shell(services)))


def _router(shell: Shell) -> APIRouter:
    router = APIRouter()

    @router.get("/pharmacy/dispense")
    async def queue_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            slug = pharmacy_of(user)
            patient = request.query_params.get("patient", "").strip()
            if patient and not FHIR_ID.fullmatch(patient):
                raise BadInput("counter.bad_id")
            reader = shell.reader(request, user)
            rows = await run_in_threadpool(_queue, reader, slug, patient or None)
            return shell.view(request, user, "counter_queue.html", rows=rows, patient=patient)

        return await guarded(shell, request, COUNTER, work, "counter.bad_id")

    @router.get("/pharmacy/dispense/{rx_id}")
    async def scan_route(request: Request, rx_id: str) -> Response:
        async def work(user: User) -> Response:
            return await _scan_page(shell, request, user, _checked(rx_id), "", None)

        return await guarded(shell, request, COUNTER, work, "counter.bad_id")

    @router.post("/pharmacy/dispense/{rx_id}")
    async def dispense_route(request: Request, rx_id: str) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, shell.services.settings)
            rid, slug = _checked(rx_id), pharmacy_of(user)
            codes = [line.strip() for line in form.get("packs", "").splitlines() if line.strip()]
            body = _dispense_params(rid, slug, codes)
            if form.get("wallet"):
                body["parameter"].append({"name": "payWith", "valueCode": "wallet"})
            reader = shell.reader(request, user)
            status, answer = await run_in_threadpool(
                reader.operate, "MedicationDispense/$dispense", body
            )
            if status != 200:
                messages = [str(i.get("diagnostics", "")) for i in answer.get("issue", [])]
                return await _scan_page(
                    shell, request, user, rid, form.get("packs", ""), messages, status
                )
            return shell.view(request, user, "counter_done.html", **_done(answer), money=money)

        return await guarded(shell, request, COUNTER, work, "counter.bad_id")

    return router


def pharmacy_of(user: User) -> str:
    """The pharmacist's own pharmacy (catalog slug); BadInput when the account has none."""
    org = str(user.organization or "")
    if not org.startswith("org-"):
        raise BadInput("counter.no_pharmacy")
    return org.removeprefix("org-")


def _checked(rid: str) -> str:
    if not FHIR_ID.fullmatch(rid):
        raise BadInput("counter.bad_id")
    return rid


def _queue(reader: Reader, slug: str, patient: str | None) -> list[dict[str, Any]]:
    params = [("status", "active"), ("_count", str(QUEUE)), ("_sort", "-authoredon")]
    params.append(
        ("subject", f"Patient/{patient}")
        if patient
        else ("intended-dispenser", f"Organization/org-{slug}")
    )
    found = matches(reader.search("MedicationRequest", params))
    names: dict[str, str] = {}
    rows = []
    for rx in found:
        subject = str(rx.get("subject", {}).get("reference", ""))
        if subject not in names:
            try:
                names[subject] = human_name(
                    reader.read("Patient", subject.removeprefix("Patient/"))
                )
            except Exception:  # a patient the pharmacist may not read: show the reference
                names[subject] = subject
        rows.append(_row(rx, names[subject]))
    return rows


def _row(rx: dict[str, Any], patient: str) -> dict[str, Any]:
    request = rx.get("dispenseRequest", {})
    fulfilment = next(
        (e.get("valueCode") for e in rx.get("extension", []) if e.get("url") == FULFILMENT),
        "pickup",
    )
    return {
        "id": rx["id"],
        "patient": patient,
        "medicine": _medicine_name(rx),
        "quantity": request.get("quantity", {}).get("value"),
        "refills": request.get("numberOfRepeatsAllowed", 0),
        "valid_until": request.get("validityPeriod", {}).get("end", ""),
        "home": fulfilment == "home-delivery",
    }


def _medicine_name(rx: dict[str, Any]) -> str:
    slug = str(rx.get("medicationReference", {}).get("reference", "")).removeprefix(
        "Medication/med-"
    )
    medicine = medicine_by_slug(slug)
    return medicine.display if medicine else slug


async def _scan_page(
    shell: Shell,
    request: Request,
    user: User,
    rid: str,
    scanned: str,
    messages: list[str] | None,
    status: int = 200,
) -> Response:
    slug = pharmacy_of(user)
    reader = shell.reader(request, user)

    def read() -> dict[str, Any]:
        rx = reader.read("MedicationRequest", rid)
        return {"row": _row(rx, _patient_name(reader, rx)), "pick": _pick_list(shell, slug, rx)}

    found = await run_in_threadpool(read)
    return shell.view(
        request,
        user,
        "counter_scan.html",
        status=status if status in (200, 400, 403, 409, 422) else 400,
        rx_id=rid,
        scanned=scanned,
        messages=messages or [],
        **found,
    )


def _patient_name(reader: Reader, rx: dict[str, Any]) -> str:
    subject = str(rx.get("subject", {}).get("reference", "")).removeprefix("Patient/")
    try:
        return human_name(reader.read("Patient", subject))
    except Exception:  # not readable by this pharmacist: the reference is enough to serve
        return subject


def _pick_list(shell: Shell, slug: str, rx: dict[str, Any]) -> dict[str, Any]:
    """FEFO over the lots on hand, for the packs the prescription's quantity needs."""
    product = str(rx.get("medicationReference", {}).get("reference", "")).removeprefix(
        "Medication/med-"
    )
    medicine = medicine_by_slug(product)
    units = int(rx.get("dispenseRequest", {}).get("quantity", {}).get("value") or 0)
    packs = math.ceil(units / medicine.pack_size) if medicine and units else 0
    with shell.services.db.read() as conn:
        levels = inventory.stock_on_hand(conn, slug, product)
    lots = [inventory.LotOnHand(str(lv.lot), lv.expiry, lv.on_hand) for lv in levels if lv.lot]
    allocation = inventory.allocate(packs, lots, shell.today())
    return {
        "picks": allocation.picks,
        "short": allocation.shortfall,
        "on_hand": sum(lv.on_hand for lv in levels),
    }


def _dispense_params(rid: str, slug: str, codes: list[str]) -> dict[str, Any]:
    parameter: list[dict[str, Any]] = [
        {"name": "prescription", "valueReference": {"reference": f"MedicationRequest/{rid}"}},
        {"name": "pharmacy", "valueReference": {"reference": f"Organization/org-{slug}"}},
    ]
    parameter += [{"name": "pack", "valueString": code[:500]} for code in codes[:100]]
    return {"resourceType": "Parameters", "parameter": parameter}


def _done(answer: dict[str, Any]) -> dict[str, Any]:
    parts = {p["name"]: p for p in answer.get("parameter", [])}
    dispensed = parts["dispense"]["resource"]
    claim = parts.get("claimResponse", {}).get("resource")
    return {
        "dispensed": dispensed,
        "packs": [e["valueString"] for e in dispensed.get("extension", [])],
        "patient_pays": parts["patientPaysCentavos"]["valueInteger"],
        "claim": claim,
    }
