"""Home delivery of a day's refills (issue 8 part 4, the pharmacy's side of it).

`plan_deliveries` gathers the day's home-delivery orders — refill Tasks (`refills.py`) whose
fulfilment is home delivery and whose window covers the day — with the patient's home
coordinates (the address's FHIR geolocation extension), has the delivery module plan each
pharmacy's routes (OR-Tools: windows, van capacity, cold chain), and writes one SupplyDelivery
per planned stop (`in-progress`, its expected time, the pharmacy as supplier) and marks the
Task `in-progress`. An order that cannot be planned is reported with the reason — a patient
without coordinates among them (their address cannot be routed; the pharmacy calls them) —
and stays for the next day. Idempotent per day: `delivery_id(task, day)`.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.modules import delivery
from enlace.modules.catalog import Medicine, facilities, medicine_by_slug
from enlace.store.bulk import PutItem

from .refills import TASK_CODES

GEOLOCATION = "http://hl7.org/fhir/StructureDefinition/geolocation"
SD = "https://enlace.health/fhir/StructureDefinition/"
SUPPLY_ITEM = "http://terminology.hl7.org/CodeSystem/supply-item-type"
WINDOW = delivery.Window(9 * 60, 19 * 60)  # a patient at home, unless they said otherwise
MEXICO_CENTRAL = timedelta(hours=-6)
VANS_PER_PHARMACY = 2
VAN_CAPACITY = 120  # packs


@dataclass
class DeliveryReport:
    orders: int = 0
    planned: int = 0
    unplaced: dict[str, str] = field(default_factory=dict)  # task id -> reason
    routes: int = 0
    distance_km: float = 0.0


def plan_deliveries(
    services: Any,
    conn: Connection,
    day: date,
    seconds: float = 10.0,
    solution_limit: int | None = None,
) -> DeliveryReport:
    """Plan and record the day's home deliveries; `solution_limit` makes a plan reproducible."""
    report = DeliveryReport()
    tasks = _due_tasks(services, conn, day)
    orders, missing = _orders(services, conn, tasks, day)
    report.orders = len(tasks)
    report.unplaced.update(missing)
    if not orders:
        return report
    depots = _depots({o.depot for o in orders if o.depot})
    vans = [v for d in depots for v in _vans(d)]
    settings = delivery.PlanSettings(time_limit_seconds=seconds, solution_limit=solution_limit)
    plan = delivery.plan_day(orders, depots, vans, day, settings)
    by_id = {t["id"]: t for t in tasks}
    packs = {o.id: o.packs for o in orders}
    writes: list[dict[str, Any]] = []
    for route in plan.routes:
        for stop in route.stops:
            task = by_id[stop.order_id]
            shipped = _supply_delivery(task, packs[stop.order_id], route, stop, day)
            writes += [shipped, {**task, "status": "in-progress"}]
    if writes:
        services.repo.put_many(conn, [PutItem(w) for w in writes])
    report.planned = sum(len(r.stops) for r in plan.routes)
    report.routes = sum(1 for r in plan.routes if r.stops)
    report.distance_km = plan.distance_km
    report.unplaced.update({u.order_id: u.reason for u in plan.unplaced})
    return report


def _due_tasks(services: Any, conn: Connection, day: date) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = services.repo.scan(conn, "Task", after, 1000)
        if not page:
            return found
        after = page[-1].id
        for version in page:
            task = version.resource()
            if _is_home_refill(task, day):
                found.append(task)


def _is_home_refill(task: dict[str, Any], day: date) -> bool:
    coding = (task.get("code", {}).get("coding") or [{}])[0]
    if coding.get("system") != TASK_CODES or coding.get("code") != "refill":
        return False
    if task.get("status") != "requested":
        return False
    fulfilment = next((i.get("valueCode") for i in task.get("input", [])), None)
    period = task.get("restriction", {}).get("period", {})
    start = date.fromisoformat(period.get("start", "9999-12-31"))
    return fulfilment == "home-delivery" and start <= day


def _orders(
    services: Any, conn: Connection, tasks: list[dict[str, Any]], day: date
) -> tuple[list[delivery.DeliveryOrder], dict[str, str]]:
    patients = services.repo.current_many(
        conn, "Patient", {str(t["for"]["reference"]).removeprefix("Patient/") for t in tasks}
    )
    prescriptions = services.repo.current_many(
        conn,
        "MedicationRequest",
        {str(t["focus"]["reference"]).removeprefix("MedicationRequest/") for t in tasks},
    )
    orders, missing = [], {}
    for task in tasks:
        pid = str(task["for"]["reference"]).removeprefix("Patient/")
        rid = str(task["focus"]["reference"]).removeprefix("MedicationRequest/")
        where = home_of(patients[pid].resource()) if pid in patients else None
        rx = prescriptions[rid].resource() if rid in prescriptions else None
        pharmacy = str(task.get("owner", {}).get("reference", "")).removeprefix("Organization/org-")
        if where is None:
            missing[task["id"]] = "no-coordinates"
            continue
        if rx is None or not pharmacy:
            missing[task["id"]] = "no-pharmacy" if rx is not None else "no-prescription"
            continue
        medicine = _medicine(rx)
        orders.append(
            delivery.DeliveryOrder(
                id=task["id"],
                patient=f"Patient/{pid}",
                address=where,
                window=WINDOW,
                packs=_packs(rx, medicine),
                cold_chain=bool(medicine and medicine.cold_chain),
                depot=pharmacy,
            )
        )
    return orders, missing


def home_of(patient: dict[str, Any]) -> delivery.Address | None:
    """The home coordinates of a Patient (its address's FHIR geolocation), None without them."""
    for address in patient.get("address", []):
        for extension in address.get("extension", []):
            if extension.get("url") != GEOLOCATION:
                continue
            parts = {p.get("url"): p.get("valueDecimal") for p in extension.get("extension", [])}
            lat, lon = parts.get("latitude"), parts.get("longitude")
            if isinstance(lat, int | float) and isinstance(lon, int | float):
                return delivery.Address(float(lat), float(lon), str(address.get("city", "")))
    return None


def _medicine(rx: dict[str, Any]) -> Medicine | None:
    slug = str(rx.get("medicationReference", {}).get("reference", "")).removeprefix(
        "Medication/med-"
    )
    return medicine_by_slug(slug)


def _packs(rx: dict[str, Any], medicine: Medicine | None) -> int:
    units = int(rx.get("dispenseRequest", {}).get("quantity", {}).get("value") or 1)
    return max(1, math.ceil(units / medicine.pack_size)) if medicine else 1


def _depots(slugs: set[str | None]) -> list[delivery.Depot]:
    known = {f.slug: f for f in facilities(kind="pharmacy")}
    return [
        delivery.Depot(
            slug, known[slug].latitude, known[slug].longitude, delivery.Window(8 * 60, 20 * 60)
        )
        for slug in sorted(s for s in slugs if s in known)
    ]


def _vans(depot: delivery.Depot) -> list[delivery.Vehicle]:
    """The pharmacy's default fleet: vans leaving from opening, one of them refrigerated."""
    return [
        delivery.Vehicle(
            f"{depot.id}-van-{n}",
            depot.id,
            VAN_CAPACITY,
            delivery.Window(8 * 60, 20 * 60),
            refrigerated=n == 1,
        )
        for n in range(1, VANS_PER_PHARMACY + 1)
    ]


def delivery_id(task_id: str, day: date) -> str:
    """The SupplyDelivery of a refill Task on a day (a FHIR id: at most 64 characters)."""
    digest = hashlib.blake2b(task_id.encode(), digest_size=8).hexdigest()
    return f"delivery-{day:%Y%m%d}-{digest}"


def _supply_delivery(
    task: dict[str, Any], packs: int, route: delivery.Route, stop: delivery.Stop, day: date
) -> dict[str, Any]:
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - MEXICO_CENTRAL
    eta = midnight + timedelta(seconds=stop.start_s)
    return {
        "resourceType": "SupplyDelivery",
        "id": delivery_id(task["id"], day),
        "extension": [
            {"url": SD + "delivery-task", "valueReference": {"reference": f"Task/{task['id']}"}},
            {"url": SD + "delivery-vehicle", "valueString": route.vehicle_id},
        ],
        "status": "in-progress",
        "patient": task["for"],
        "type": {"coding": [{"system": SUPPLY_ITEM, "code": "medication"}]},
        "suppliedItem": {"quantity": {"value": packs, "unit": "empaques"}},
        "occurrenceDateTime": eta.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "supplier": task.get("owner", {}),
    }


@dataclass(frozen=True)
class Outcome:
    delivery_id: str
    status: str  # delivered | rescheduled | return-to-pharmacy | needs-address
    retry_on: date | None = None


def record_outcome(
    services: Any, conn: Connection, delivery_id: str, reason: str | None, on: date
) -> Outcome:
    """The driver's report of one drop: delivered (`reason` None) or why not. The
    SupplyDelivery is completed or abandoned (with the reason); the refill Task is completed,
    planned again for the next delivery day, sent back to the counter for pickup, or put on
    hold until the address is corrected (delivery.record_failure's policy)."""
    found = services.repo.current(conn, "SupplyDelivery", delivery_id)
    if found is None or found.deleted:
        raise errors.not_found(f"SupplyDelivery/{delivery_id} is not known")
    shipped = found.resource()
    if shipped.get("status") != "in-progress":
        raise errors.error(
            409, "conflict", f"SupplyDelivery/{delivery_id} is {shipped.get('status')}"
        )
    task_ref = next(
        e["valueReference"]["reference"]
        for e in shipped["extension"]
        if e["url"] == SD + "delivery-task"
    )
    task = services.repo.read(conn, "Task", task_ref.removeprefix("Task/")).resource()
    if reason is None:
        services.repo.put_many(
            conn,
            [PutItem({**shipped, "status": "completed"}), PutItem({**task, "status": "completed"})],
        )
        return Outcome(delivery_id, "delivered")
    attempts = int(
        next(
            (
                i.get("valueInteger", 0)
                for i in task.get("input", [])
                if i.get("type", {}).get("text") == "attempts"
            ),
            0,
        )
    )
    order = delivery.DeliveryOrder(
        task["id"], task["for"]["reference"], delivery.Address(0, 0), WINDOW, 1, attempts=attempts
    )
    decision = delivery.record_failure(order, reason, on)
    failed = {
        **shipped,
        "status": "abandoned",
        "extension": [*shipped["extension"], {"url": SD + "delivery-failure", "valueCode": reason}],
    }
    services.repo.put_many(conn, [PutItem(failed), PutItem(_after_failure(task, decision))])
    return Outcome(delivery_id, decision.status, decision.order.earliest_date)


def _after_failure(task: dict[str, Any], decision: Any) -> dict[str, Any]:
    inputs = [i for i in task.get("input", []) if i.get("type", {}).get("text") != "attempts"]
    inputs.append({"type": {"text": "attempts"}, "valueInteger": decision.order.attempts})
    updated = {**task, "input": inputs, "statusReason": {"text": decision.reason}}
    if decision.status == "rescheduled":
        day = decision.order.earliest_date.isoformat()
        return {
            **updated,
            "status": "requested",
            "restriction": {"period": {"start": day, "end": day}},
        }
    if decision.status == "return-to-pharmacy":
        pickup = [
            {**i, "valueCode": "pickup"} if i.get("type", {}).get("text") == "fulfilment" else i
            for i in inputs
        ]
        return {
            **updated,
            "status": "requested",
            "input": pickup,
            "businessStatus": {"text": "return-to-pharmacy"},
        }
    return {**updated, "status": "on-hold", "businessStatus": {"text": "needs-address"}}
