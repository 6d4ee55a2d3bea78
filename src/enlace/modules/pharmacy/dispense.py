"""Dispensing (`POST [base]/MedicationDispense/$dispense`): scan, verify, issue, trace, claim —
one unit of work.

In the operation's transaction, all or nothing:
1. the prescription: active, within its validity, fills left, not too soon after the last;
2. each scanned pack verified by the traceability module (authentic: commissioned, not
   dispensed, not recalled, not expired — else refused with the verdict's reason, at the pack's
   parameter); of the prescribed medicine or a generic substitute (same ATC: the substitution
   is recorded); scanned once; no more packs than the prescription's quantity needs;
3. the stock ledger issues the packs' lots at the pharmacy (never below zero: two pharmacists
   selling the last unit, one gets a 409);
4. the MedicationDispense is written with each pack (lot, expiry, serial);
5. the EPCIS dispensing event is captured in the transparency log (there is never a dispense
   without its trace event);
6. the claim goes to the payer when the prescription names a coverage (proof of dispense is the
   event just logged), and the patient's share comes back; without coverage the patient pays
   the reference price;
7. the prescription is completed when its last fill is dispensed;
8. with `payWith=wallet`, the patient's share is paid from their family wallet (copay.py).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.kernel.errors import Issue
from enlace.modules import claims, inventory, trace
from enlace.modules.catalog import Medicine, medicine_by_gtin
from enlace.store.bulk import PutItem

from . import dispense_fhir
from .copay import pay_from_wallet
from .dispense_fhir import ScannedPack
from .dispense_request import WHERE, DispenseRequest, parse_request
from .lookups import known_pharmacy, platform_ids
from .prescribe import Asker
from .prescription import Prescription
from .prescription import parse as parse_prescription

DISPENSE_ROLES = ("pharmacist", "administrator")
REFILL_AFTER = 0.75  # a refill is due once 75 % of the last fill's days have passed


def dispense(
    services: Any, conn: Connection, params: dict[str, Any], asker: Asker
) -> dict[str, Any]:
    asked = parse_request(params)
    pharmacy = _pharmacy(asked, asker)
    now = asked.handed_over or services.repo.clock()
    today = now.date()
    _serialize(conn, asked)
    prescription = _prescription(services, conn, asker, asked.prescription_id)
    rx = _still_valid(prescription, today)
    earlier = _earlier_fills(services, conn, asked.prescription_id)
    _fills_left(rx, earlier, today)
    packs = _verified(conn, asked, rx, today)
    dispense_id = services.repo.new_id()
    _issue_stock(conn, services, pharmacy, packs, dispense_id, now)
    fill = ("RF" if earlier else "FF") + ("P" if _units(packs) < rx.quantity_units else "")
    days = _days_supply(rx, packs)
    dispensed = dispense_fhir.medication_dispense(
        dispense_id, prescription, pharmacy, packs, fill, now, days
    )
    document = dispense_fhir.dispensing_event(
        dispense_id, rx_id(prescription), pharmacy, packs, now
    )
    trace.capture(conn, document, now)
    writes = [dispensed]
    if len(earlier) + 1 >= rx.repeats + 1:
        writes.append({**prescription, "status": "completed"})
    services.repo.put_many(conn, [PutItem(r) for r in writes])
    response = _claim(services, conn, prescription, pharmacy, packs, dispense_id, now)
    answer = _answer(dispensed, response, packs)
    if asked.pay_with == "wallet":
        share = next(
            p["valueInteger"] for p in answer["parameter"] if p["name"] == "patientPaysCentavos"
        )
        claimed = response is not None and response.get("outcome") != "error"
        paid = pay_from_wallet(
            services,
            conn,
            str(prescription["subject"]["reference"]),
            pharmacy,
            share,
            claimed,
            dispense_id,
            asked.pay_with_at,
        )
        if paid is not None:
            answer["parameter"].append({"name": "paidFromWallet", "valueString": paid})
    return answer


_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('dispense:' || %s, 0))"


def _serialize(conn: Connection, asked: DispenseRequest) -> None:
    """Two counters must not both hand over the same pack or the same fill: on PostgreSQL the
    prescription and each scanned code are locked (sorted, to the end of the transaction)
    before anything is read, so the second dispense sees the first's result — the pack
    already dispensed, the fill used. SQLite runs write transactions one at a time anyway."""
    if conn.dialect.name != "postgresql":
        return
    keys = {f"rx:{asked.prescription_id}"}
    for _, code in asked.packs:
        try:
            keys.add(trace.canonical_pack(code))
        except trace.TraceError:
            continue  # unreadable: refused by verification, nothing to lock
    for key in sorted(keys):
        conn.exec_driver_sql(_LOCK, (key,))


def rx_id(prescription: dict[str, Any]) -> str:
    return str(prescription["id"])


def _pharmacy(asked: DispenseRequest, asker: Asker) -> str:
    own = str(asker.organization or "").removeprefix("org-") or None
    if asker.kind == "user" and asker.role == "pharmacist":
        if asked.pharmacy_slug not in (None, own):
            raise errors.FhirError(
                403, [Issue("forbidden", "a pharmacist dispenses at their own pharmacy", WHERE)]
            )
        slug = own
    else:
        slug = asked.pharmacy_slug
    if slug is None or known_pharmacy(slug) is None:
        raise _unprocessable(f"Organization/org-{slug} is not a pharmacy", WHERE)
    return slug


def _prescription(services: Any, conn: Connection, asker: Asker, rid: str) -> dict[str, Any]:
    try:
        asker("MedicationRequest", rid)
        found = services.repo.current(conn, "MedicationRequest", rid)
    except errors.FhirError as exc:
        if exc.status != 404:
            raise
        found = None
    if found is None or found.deleted:
        raise _unprocessable(f"MedicationRequest/{rid} is not known", f"{WHERE}[0]")
    resource: dict[str, Any] = found.resource()
    return resource


def _still_valid(prescription: dict[str, Any], today: date) -> Prescription:
    status = prescription.get("status")
    if status != "active":
        raise _unprocessable(f"the prescription is {status}, not active", f"{WHERE}[0]")
    try:
        rx = parse_prescription(prescription, today)
    except errors.FhirError as exc:
        expired = [i for i in exc.issues if (i.expression or "").endswith("validityPeriod.end")]
        detail = expired[0].diagnostics if expired else exc.issues[0].diagnostics
        raise _unprocessable(
            f"the prescription cannot be filled: {detail}", f"{WHERE}[0]"
        ) from None
    if rx.medicine is None:
        raise _unprocessable("the prescribed medicine is not in the formulary", f"{WHERE}[0]")
    if rx.valid_from > today:
        raise _unprocessable(f"the prescription is valid from {rx.valid_from}", f"{WHERE}[0]")
    return rx


def _earlier_fills(services: Any, conn: Connection, rid: str) -> list[dict[str, Any]]:
    ids = platform_ids(
        services, conn, "MedicationDispense", [("prescription", f"MedicationRequest/{rid}")], 50
    )
    stored = services.repo.current_many(conn, "MedicationDispense", ids)
    return [v.resource() for v in stored.values() if not v.deleted]


def _fills_left(rx: Prescription, earlier: list[dict[str, Any]], today: date) -> None:
    done = [d for d in earlier if d.get("status") == "completed"]
    if len(done) >= rx.repeats + 1:
        raise _unprocessable(
            f"every fill of the prescription was dispensed ({len(done)} of {rx.repeats + 1})",
            f"{WHERE}[0]",
        )
    if not done:
        return
    last = max(d["whenHandedOver"] for d in done)
    last_day = datetime.fromisoformat(last).date()
    days = max(int(d.get("daysSupply", {}).get("value", rx.supply_days)) for d in done)
    due = last_day.toordinal() + math.floor(days * REFILL_AFTER)
    if today.toordinal() < due:
        raise errors.FhirError(
            409,
            [
                Issue(
                    "conflict",
                    f"too soon: the last fill ({last_day}) lasts {days} days; "
                    f"the refill is due from {date.fromordinal(due)}",
                    f"{WHERE}[0]",
                )
            ],
        )


def _verified(
    conn: Connection, asked: DispenseRequest, rx: Prescription, today: date
) -> list[ScannedPack]:
    assert rx.medicine is not None
    packs: list[ScannedPack] = []
    seen: set[str] = set()
    for n, code in asked.packs:
        where = f"{WHERE}[{n}].valueString"
        verdict = trace.verify_pack(conn, code, today)
        if not verdict.may_dispense:
            raise errors.FhirError(
                422,
                [
                    Issue(
                        "business-rule", f"pack refused ({verdict.status}): {verdict.reason}", where
                    )
                ],
            )
        assert verdict.gtin and verdict.serial
        medicine = medicine_by_gtin(verdict.gtin)
        if medicine is None or not _same_medicine(medicine, rx.medicine):
            raise _unprocessable(
                f"this pack is {verdict.product or verdict.gtin}, not {rx.medicine.display} "
                "or a generic of the same ATC and strength",
                where,
            )
        epc = trace.canonical_pack(code)
        if epc in seen:
            raise errors.FhirError(
                400, [Issue("duplicate", "the same pack was scanned twice", where)]
            )
        seen.add(epc)
        packs.append(
            ScannedPack(
                code, epc, verdict.gtin, verdict.serial, verdict.lot, verdict.expiry, medicine
            )
        )
    most = math.ceil(rx.quantity_units / rx.medicine.pack_size)
    if len(packs) > most:
        raise _unprocessable(
            f"{len(packs)} packs are more than the prescribed {rx.quantity_units} units "
            f"({most} packs of {rx.medicine.pack_size})",
            WHERE,
        )
    return packs


def _same_medicine(dispensed: Medicine, prescribed: Medicine) -> bool:
    """The prescribed product, or a generic substitute: same ATC, strength and pack size."""
    if dispensed.slug == prescribed.slug:
        return True
    return (
        dispensed.atc == prescribed.atc
        and dispensed.ingredients == prescribed.ingredients
        and dispensed.pack_size == prescribed.pack_size
    )


def _issue_stock(
    conn: Connection,
    services: Any,
    pharmacy: str,
    packs: list[ScannedPack],
    dispense_id: str,
    now: datetime,
) -> None:
    per_lot: dict[tuple[str, str | None], int] = {}
    for pack in packs:
        key = (pack.medicine.slug, pack.lot)
        per_lot[key] = per_lot.get(key, 0) + 1
    event = inventory.StockEvent(
        kind=inventory.ISSUE,
        facility=pharmacy,
        items=tuple(
            inventory.Item(product, lot, count)
            for (product, lot), count in sorted(per_lot.items(), key=str)
        ),
        occurred_at=now,
        reference=f"MedicationDispense/{dispense_id}",
        idempotency_key=f"dispense:{dispense_id}",
    )
    try:
        inventory.StockLedger(clock=services.repo.clock).record(conn, event)
    except errors.FhirError as exc:
        issue = exc.issues[0]
        raise errors.FhirError(
            exc.status, [Issue(issue.code, f"stock: {issue.diagnostics}", WHERE)]
        ) from None


def _units(packs: list[ScannedPack]) -> int:
    return sum(p.medicine.pack_size for p in packs)


def _days_supply(rx: Prescription, packs: list[ScannedPack]) -> int:
    """The days the dispensed units last at the prescribed rate (the prescription's days when
    the rate is not in pack units)."""
    units = _units(packs)
    if units >= rx.quantity_units:
        return rx.supply_days
    return max(1, math.floor(rx.supply_days * units / rx.quantity_units))


def _claim(
    services: Any,
    conn: Connection,
    prescription: dict[str, Any],
    pharmacy: str,
    packs: list[ScannedPack],
    dispense_id: str,
    now: datetime,
) -> dict[str, Any] | None:
    coverage = (prescription.get("insurance") or [{}])[0].get("reference", "")
    if not str(coverage).startswith("Coverage/"):
        return None
    body = dispense_fhir.pharmacy_claim(
        dispense_id, prescription, coverage.removeprefix("Coverage/"), pharmacy, packs, now
    )
    result = claims.adjudicate_batch(services, conn, [body])
    return result.responses[0] if result.responses else None


def _answer(
    dispensed: dict[str, Any], response: dict[str, Any] | None, packs: list[ScannedPack]
) -> dict[str, Any]:
    cash = sum(p.medicine.price_centavos for p in packs)
    patient_pays = cash if response is None else _copay(response)
    parameter: list[dict[str, Any]] = [
        {"name": "dispense", "resource": dispensed},
        {"name": "patientPaysCentavos", "valueInteger": patient_pays},
    ]
    if response is not None:
        parameter.append({"name": "claimResponse", "resource": response})
    return {"resourceType": "Parameters", "parameter": parameter}


def _copay(response: dict[str, Any]) -> int:
    """The patient's part of a claim: its copay total, or everything when refused."""
    if response.get("outcome") == "error":
        submitted = _total(response, "submitted")
        return submitted
    return _total(response, "copay")


def _total(response: dict[str, Any], category: str) -> int:
    for total in response.get("total", []):
        if total["category"]["coding"][0]["code"] == category:
            return round(float(total["amount"]["value"]) * 100)
    return 0


def _unprocessable(diagnostics: str, where: str) -> errors.FhirError:
    return errors.FhirError(422, [Issue("business-rule", diagnostics, where)])
