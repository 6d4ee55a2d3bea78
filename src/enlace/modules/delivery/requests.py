"""A planning request as JSON (CLI file, HTTP body) to domain objects, and a plan back to JSON.

Request shape (docs/delivery.md):
  {"date": "2026-11-26", "settings": {"speedKmh": 20, ...},
   "depots": [{"id", "latitude", "longitude", "opens": "08:00", "closes": "20:00",
               "kind", "serviceRadiusKm"}],
   "vehicles": [{"id", "depot", "capacity", "shiftStart": "08:00", "shiftEnd": "16:00",
                 "refrigerated"}],
   "orders": [{"id", "patient", "address": {"text", "latitude", "longitude"},
               "window": {"start": "09:00", "end": "12:00"}, "packs", "coldChain",
               "serviceMinutes", "earliestDate", "depot", "attempts"}]}
Shape errors are collected with their paths and raised together as one 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from enlace.kernel import errors
from enlace.modules.delivery.domain import (
    Address,
    DeliveryOrder,
    Depot,
    Plan,
    PlanSettings,
    Vehicle,
    Window,
    clock_text,
)

CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
SETTING_NAMES = {
    "circuity": "circuity",
    "speedKmh": "speed_kmh",
    "coldChainMinutes": "cold_chain_minutes",
    "timeLimitSeconds": "time_limit_seconds",
    "solutionLimit": "solution_limit",
}


@dataclass(frozen=True, slots=True)
class PlanRequest:
    day: date
    depots: list[Depot]
    vehicles: list[Vehicle]
    orders: list[DeliveryOrder]
    settings: PlanSettings


class _Reader:
    """Reads fields of untrusted JSON, remembering every problem instead of stopping at one."""

    def __init__(self) -> None:
        self.issues: list[errors.Issue] = []

    def fail(self, where: str, message: str, code: str = "value") -> None:
        self.issues.append(errors.Issue(code, f"{where}: {message}", where))

    def get(self, obj: dict[str, Any], key: str, where: str, kind: Any, default: Any = ...) -> Any:
        value = obj.get(key)
        if value is None:
            if default is ...:
                self.fail(f"{where}.{key}", "is required", "required")
            return None if default is ... else default
        ok = isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool)
        if not ok:
            self.fail(f"{where}.{key}", f"{value!r} has the wrong type", "structure")
            return None
        return value

    def clock(self, obj: dict[str, Any], key: str, where: str, default: str | None = None) -> int:
        text = (
            self.get(obj, key, where, str, default) if default else self.get(obj, key, where, str)
        )
        match = CLOCK.match(text) if isinstance(text, str) else None
        if text is not None and match is None:
            self.fail(f"{where}.{key}", f"'{text}' is not a time HH:MM", "value")
        return int(match[1]) * 60 + int(match[2]) if match else 0

    def day(self, obj: dict[str, Any], key: str, where: str, required: bool) -> date | None:
        text = self.get(obj, key, where, str, ... if required else None)
        if text is None:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.fail(f"{where}.{key}", f"'{text}' is not a date YYYY-MM-DD")
            return None

    def items(self, doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = self.get(doc, key, "", list)
        out = []
        for i, item in enumerate(value or []):
            if isinstance(item, dict):
                out.append(item)
            else:
                self.fail(f"{key}[{i}]", "must be an object", "structure")
        return out


def parse_request(doc: Any) -> PlanRequest:
    """The request in `doc`, or a 400 FhirError naming every malformed field."""
    if not isinstance(doc, dict):
        raise errors.bad_request("the request must be a JSON object", code="structure")
    reader = _Reader()
    day = reader.day(doc, "date", "", required=True)
    settings = _settings(reader, doc.get("settings") or {})
    depots = [_depot(reader, d, f"depots[{i}]") for i, d in enumerate(reader.items(doc, "depots"))]
    vehicles = [
        _vehicle(reader, v, f"vehicles[{i}]") for i, v in enumerate(reader.items(doc, "vehicles"))
    ]
    orders = [_order(reader, o, f"orders[{i}]") for i, o in enumerate(reader.items(doc, "orders"))]
    if reader.issues or day is None:
        raise errors.FhirError(400, [_root(i) for i in reader.issues])
    return PlanRequest(day, depots, vehicles, orders, settings)


def _root(issue: errors.Issue) -> errors.Issue:
    # Top-level fields are read with where="" and come out as ".date"; drop the leading dot.
    where = (issue.expression or "").lstrip(".")
    return errors.Issue(issue.code, issue.diagnostics.lstrip("."), where or None)


def _settings(reader: _Reader, raw: Any) -> PlanSettings:
    if not isinstance(raw, dict):
        reader.fail("settings", "must be an object", "structure")
        return PlanSettings()
    values: dict[str, Any] = {}
    for key, name in SETTING_NAMES.items():
        value = reader.get(raw, key, "settings", int | float, None)
        if value is not None:
            if value <= 0:
                reader.fail(f"settings.{key}", "must be positive")
            values[name] = int(value) if name in ("cold_chain_minutes", "solution_limit") else value
    for key in raw.keys() - SETTING_NAMES.keys():
        reader.fail(f"settings.{key}", "unknown setting", "structure")
    return PlanSettings(**values)


def _depot(reader: _Reader, raw: dict[str, Any], where: str) -> Depot:
    return Depot(
        id=reader.get(raw, "id", where, str),
        latitude=reader.get(raw, "latitude", where, int | float),
        longitude=reader.get(raw, "longitude", where, int | float),
        hours=Window(
            reader.clock(raw, "opens", where, "00:00"), reader.clock(raw, "closes", where, "23:59")
        ),
        kind=reader.get(raw, "kind", where, str, "pharmacy"),
        service_radius_km=reader.get(raw, "serviceRadiusKm", where, int | float, None),
    )


def _vehicle(reader: _Reader, raw: dict[str, Any], where: str) -> Vehicle:
    return Vehicle(
        id=reader.get(raw, "id", where, str),
        depot=reader.get(raw, "depot", where, str),
        capacity=reader.get(raw, "capacity", where, int),
        shift=Window(reader.clock(raw, "shiftStart", where), reader.clock(raw, "shiftEnd", where)),
        refrigerated=reader.get(raw, "refrigerated", where, bool, False),
    )


def _order(reader: _Reader, raw: dict[str, Any], where: str) -> DeliveryOrder:
    address = reader.get(raw, "address", where, dict) or {}
    window = reader.get(raw, "window", where, dict) or {}
    return DeliveryOrder(
        id=reader.get(raw, "id", where, str),
        patient=reader.get(raw, "patient", where, str, ""),
        address=Address(
            latitude=reader.get(address, "latitude", f"{where}.address", int | float),
            longitude=reader.get(address, "longitude", f"{where}.address", int | float),
            text=reader.get(address, "text", f"{where}.address", str, ""),
        ),
        window=Window(
            reader.clock(window, "start", f"{where}.window"),
            reader.clock(window, "end", f"{where}.window"),
        ),
        packs=reader.get(raw, "packs", where, int),
        cold_chain=reader.get(raw, "coldChain", where, bool, False),
        service_minutes=reader.get(raw, "serviceMinutes", where, int, 5),
        earliest_date=reader.day(raw, "earliestDate", where, required=False),
        depot=reader.get(raw, "depot", where, str, None),
        attempts=reader.get(raw, "attempts", where, int, 0),
    )


def plan_as_json(plan: Plan) -> dict[str, Any]:
    return {
        "routes": [
            {
                "vehicle": r.vehicle_id,
                "depot": r.depot_id,
                "depart": clock_text(r.depart_s),
                "return": clock_text(r.return_s),
                "load": r.load,
                "distanceKm": r.distance_km,
                "stops": [
                    {
                        "order": s.order_id,
                        "eta": clock_text(s.arrival_s),
                        "serviceStart": clock_text(s.start_s),
                        "loadAfter": s.load_after,
                        "distanceKm": s.distance_km,
                    }
                    for s in r.stops
                ],
            }
            for r in plan.routes
        ],
        "unplaced": [
            {"order": u.order_id, "reason": u.reason, "detail": u.detail} for u in plan.unplaced
        ],
        "later": list(plan.later),
        "placed": plan.placed,
        "distanceKm": plan.distance_km,
        "cost": plan.cost,
        "solveSeconds": round(plan.solve_seconds, 3),
    }
