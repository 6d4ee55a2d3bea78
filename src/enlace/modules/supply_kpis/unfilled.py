"""Unfilled-prescription rate: prescriptions not fully dispensed within 24 h / 72 h of being
written (issue 8 part 6; IMSS's ~11 million unfilled a year, REFERENCE.md / DESIGN.md).

A prescription (MedicationRequest, `active`, `completed` or `on-hold`, intent `order`) written in
the period counts for a window of h hours once h hours have passed by the end of the day. It is
unfilled when the units handed over (MedicationDispense.whenHandedOver) within h hours of its
`authoredOn` are fewer than its `dispenseRequest.quantity` (no quantity: when nothing was handed
over). Read through the store's and search's public APIs, as the platform (only the counts
leave this module). Grouped by the pharmacy it was routed to (`dispenseRequest.performer`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from enlace.search.engine import find_ids
from enlace.search.platform import EVERYTHING

WINDOWS_H = (24, 72)
COUNTED = ("active", "completed", "on-hold")
MAX_PRESCRIPTIONS = 200_000


@dataclass(frozen=True, slots=True)
class Prescribed:
    id: str
    authored: datetime
    quantity: int | None
    pharmacy: str | None  # catalog facility slug of dispenseRequest.performer
    handed: tuple[tuple[datetime, int], ...]  # (whenHandedOver, units) of its dispenses


@dataclass(frozen=True, slots=True)
class Unfilled:
    hours: int
    pharmacy: str  # `*`: all
    unfilled: int
    of: int


def unfilled_counts(prescribed: Iterable[Prescribed], day: date, hours: int) -> list[Unfilled]:
    """Per pharmacy and overall: prescriptions whose window closed by the end of `day`, and
    how many of them were not fully dispensed within it."""
    end = datetime.combine(day + timedelta(days=1), time(), UTC)
    counts: dict[str, list[int]] = {"*": [0, 0]}
    for p in prescribed:
        deadline = p.authored + timedelta(hours=hours)
        if deadline > end:
            continue  # still inside its window: neither filled late nor unfilled yet
        given = sum(units for when, units in p.handed if when <= deadline)
        short = given == 0 if p.quantity is None else given < p.quantity
        for key in ("*", p.pharmacy or "?"):
            pair = counts.setdefault(key, [0, 0])
            pair[0] += int(short)
            pair[1] += 1
    return [Unfilled(hours, k, n, of) for k, (n, of) in sorted(counts.items())]


def read_prescriptions(
    services: Any, conn: Connection, first: date, last: date
) -> list[Prescribed]:
    """Prescriptions authored in [first, last] with their dispenses."""
    params = [("authoredon", f"ge{first.isoformat()}"), ("authoredon", f"le{last.isoformat()}")]
    config = services.search.current()
    ids = find_ids(
        conn, config, "MedicationRequest", params, "supply KPIs", EVERYTHING, MAX_PRESCRIPTIONS
    )
    requests = services.repo.current_many(conn, "MedicationRequest", ids)
    handed = _dispenses(services, conn, config, list(requests))
    found = []
    for rid, version in requests.items():
        body = version.resource()
        if body.get("status") not in COUNTED or "authoredOn" not in body:
            continue
        found.append(_prescribed(rid, body, handed.get(rid, [])))
    return found


def _prescribed(rid: str, body: dict[str, Any], handed: list[tuple[datetime, int]]) -> Prescribed:
    supply = body.get("dispenseRequest", {})
    quantity = supply.get("quantity", {}).get("value")
    performer = str(supply.get("performer", {}).get("reference", ""))
    pharmacy = (
        performer.removeprefix("Organization/org-")
        if performer.startswith("Organization/org-")
        else None
    )
    return Prescribed(
        rid,
        _instant(body["authoredOn"]),
        int(quantity) if quantity else None,
        pharmacy,
        tuple(handed),
    )


def _dispenses(
    services: Any, conn: Connection, config: Any, ids: list[str]
) -> dict[str, list[tuple[datetime, int]]]:
    found: dict[str, list[tuple[datetime, int]]] = {}
    for start in range(0, len(ids), 100):
        refs = ",".join(f"MedicationRequest/{i}" for i in ids[start : start + 100])
        matched = find_ids(
            conn,
            config,
            "MedicationDispense",
            [("prescription", refs)],
            "supply KPIs",
            EVERYTHING,
            100_000,
        )
        for version in services.repo.current_many(conn, "MedicationDispense", matched).values():
            dispense = version.resource()
            if dispense.get("status") != "completed" or "whenHandedOver" not in dispense:
                continue
            units = int(dispense.get("quantity", {}).get("value", 0))
            for ref in dispense.get("authorizingPrescription", []):
                rid = str(ref.get("reference", "")).removeprefix("MedicationRequest/")
                found.setdefault(rid, []).append((_instant(dispense["whenHandedOver"]), units))
    return found


def _instant(value: str) -> datetime:
    """A FHIR dateTime; a bare date is its start in UTC (a prescription dated, not timed)."""
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), time(), UTC)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
