"""Requisitions on the live network (issue 12 part 4): from the stock ledger's positions and the
demand it shows, suggested orders as FHIR SupplyRequests (distribution center -> facility) and
transfers between facilities (surplus that would expire -> a facility that will stock out).

Per facility x product (read through supply_kpis' ledger reader, inventory's public API):
- demand mu, sigma per month: supply.forecast's one-month-ahead mean and error spread of the
  pair's corrected monthly demand (requisition_forecasts; `run(..., services=...)`), at least
  Poisson sqrt(mu); a pair without history: OpenLMIS adjusted consumption of the last 90 days
  / 3 (corrected for days out of stock) and sqrt(mu);
- z from the class's cycle service level (life-sustaining 99 %, others 95 %, policy.py);
- S = mu (R + L) + z sigma sqrt(R + L), R = the facility's delivery cycle, L = ROUTE_LEAD;
  capped at what the class's shelf life lets the facility use;
- order S - on hand (whole units) when on hand is below S, less what a transfer brings;
  reason `below-order-up-to`, or `stocked-out` when nothing is on hand.
A rerun of a day deletes that day's SupplyRequests and rows, then writes the new ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete, insert, select

from enlace.modules import catalog, inventory, supply_kpis
from enlace.modules.supply import policy
from enlace.modules.supply.requisition_forecasts import forecast_pairs
from enlace.modules.supply.tables import requisition_runs, suggestions
from enlace.modules.supply_kpis.ledger_source import read_ledger
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

ROUTE_LEAD_MONTHS = 0.25  # a week from the distribution center to any facility in the network
NEAR_EXPIRY_DAYS = 90
IDENTIFIER_SYSTEM = "https://enlace.mx/fhir/sid/supply-request"
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Suggestion:
    kind: str  # order | transfer
    facility: str
    source: str
    product: str
    quantity: int
    on_hand: int
    forecast: float
    order_up_to: float
    days_of_stock: float | None
    reason: str
    request_id: str | None = None


def distribution_center() -> str:
    return next(f.slug for f in catalog.facilities() if f.kind == "distribution-center")


def order_level(product: str, mu: float, review_months: float, sigma: float | None = None) -> float:
    """S for one pair: the class's z, the forecast's spread (at least Poisson sqrt(mu)),
    capped by the class's shelf life."""
    medicine = catalog.medicine_by_slug(product)
    klass = policy.product_class(medicine.atc if medicine else "")
    z = policy.z_for_cycle_service(policy.SERVICE_LEVELS[klass])
    sigma = max(sigma or 0.0, math.sqrt(max(mu, 0.0)))
    level = policy.order_up_to(
        np.array([mu]), np.array([sigma]), review_months, ROUTE_LEAD_MONTHS, np.array([z])
    )
    cap = policy.expiry_cap(np.array([mu]), np.array([float(policy.SHELF_LIFE_MONTHS[klass])]))
    return float(min(level[0], cap[0]))


def served_facilities() -> list[catalog.Facility]:
    return [f for f in catalog.facilities() if f.kind != "distribution-center"]


def plan(
    conn: Connection,
    day: date,
    progress: Progress = lambda n: None,
    facilities: Sequence[catalog.Facility] | None = None,
    products: Sequence[str] | None = None,
    budget_centavos: int | None = None,
    forecasts: Mapping[tuple[str, str], tuple[float, float]] | None = None,
) -> list[Suggestion]:
    """The day's orders and transfers, computed from the ledger (nothing written); by default
    every facility the distribution center serves and every product of the formulary."""
    kpi_plan = supply_kpis.Plan()
    served = list(facilities) if facilities is not None else served_facilities()
    wanted = list(products) if products is not None else [m.slug for m in catalog.formulary()]
    ledger = read_ledger(conn, day, kpi_plan, served, progress, sorted(wanted))
    monthly = supply_kpis.adjusted_consumption(ledger.issued, ledger.days_out, 90) / 3
    cycles = supply_kpis.cycles(conn)
    center = distribution_center()
    orders: list[Suggestion] = []
    for i in range(ledger.size):
        facility = ledger.facilities[int(ledger.facility[i])]
        product = ledger.products[int(ledger.product[i])]
        mu = 0.0 if math.isnan(monthly[i]) else float(monthly[i])
        sigma: float | None = None
        if forecasts and (facility, product) in forecasts:
            mu, sigma = forecasts[(facility, product)]
        every = cycles.get(facility, supply_kpis.DEFAULT_CYCLE).every_days
        level = order_level(product, mu, every / 30, sigma)
        on_hand = int(ledger.on_hand[i])
        quantity = math.ceil(level - on_hand) if level > on_hand else 0
        days = on_hand / (mu / 30) if mu > 0 else None
        reason = "stocked-out" if on_hand == 0 else "below-order-up-to"
        orders.append(
            Suggestion(
                "order", facility, center, product, quantity, on_hand, mu, level, days, reason
            )
        )
    transfers = _transfers(conn, day, orders)
    moved: dict[tuple[str, str], int] = {}
    for t in transfers:
        moved[(t.facility, t.product)] = moved.get((t.facility, t.product), 0) + t.quantity
    # what a transfer brings is not ordered again from the distribution center
    net = [replace(o, quantity=o.quantity - moved.get((o.facility, o.product), 0)) for o in orders]
    wanted_orders = within_budget([o for o in net if o.quantity > 0], budget_centavos)
    return [o for o in wanted_orders if o.quantity > 0] + transfers


def within_budget(orders: list[Suggestion], budget_centavos: int | None) -> list[Suggestion]:
    """Cut the order lines to the budget (policy.fit_budget): the essentials first, the
    life-sustaining lines last; each line costs its quantity x the pack's reference price."""
    lines = []
    for index, order in enumerate(orders):
        medicine = catalog.medicine_by_slug(order.product)
        klass = policy.product_class(medicine.atc if medicine else "")
        price = medicine.price_centavos if medicine else 0
        lines.append(policy.Line(str(index), order.quantity, price, policy.CRITICALITY[klass]))
    kept = policy.fit_budget(lines, budget_centavos)
    return [replace(o, quantity=line.quantity) for o, line in zip(orders, kept, strict=True)]


def _transfers(conn: Connection, day: date, pairs: list[Suggestion]) -> list[Suggestion]:
    """Lots expiring within NEAR_EXPIRY_DAYS beyond what their holder uses before expiry go to
    a facility of the same state whose stock will not last until its next delivery."""
    state = {f.slug: f.state for f in catalog.facilities()}
    by_pair = {(p.facility, p.product): p for p in pairs}
    needs = {
        (p.facility, p.product): p.quantity
        for p in pairs
        if p.days_of_stock is not None and p.days_of_stock < 14 and p.quantity > 0
    }
    moved: list[Suggestion] = []
    for holder in sorted({p.facility for p in pairs}):
        for lot in inventory.near_expiry(conn, holder, day, NEAR_EXPIRY_DAYS):
            pair = by_pair.get((holder, lot.product))
            usable = (pair.forecast if pair else 0.0) * (lot.expiry - day).days / 30
            surplus = int(lot.on_hand - math.ceil(usable))
            for (taker, product), need in sorted(needs.items()):
                if surplus <= 0 or product != lot.product or taker == holder:
                    continue
                if state[taker] != state[holder] or need <= 0:
                    continue
                units = min(surplus, need)
                surplus -= units
                needs[(taker, product)] = need - units
                base = by_pair[(taker, product)]
                moved.append(
                    Suggestion(
                        "transfer",
                        taker,
                        holder,
                        product,
                        units,
                        base.on_hand,
                        base.forecast,
                        base.order_up_to,
                        base.days_of_stock,
                        "surplus-near-expiry",
                    )
                )
    return moved


def supply_request(suggestion: Suggestion, day: date) -> dict[str, Any]:
    """The order line as a FHIR R4 SupplyRequest."""
    return {
        "resourceType": "SupplyRequest",
        "identifier": [
            {
                "system": IDENTIFIER_SYSTEM,
                "value": f"{day.isoformat()}|{suggestion.facility}|{suggestion.product}",
            }
        ],
        "status": "active",
        "category": {"coding": [{"system": "http://hl7.org/fhir/supply-kind", "code": "central"}]},
        "priority": "urgent" if suggestion.on_hand == 0 else "routine",
        "itemReference": {"reference": f"Medication/med-{suggestion.product}"},
        "quantity": {"value": suggestion.quantity, "unit": "unit"},
        "authoredOn": day.isoformat(),
        "deliverFrom": {"reference": f"Organization/org-{suggestion.source}"},
        "deliverTo": {"reference": f"Organization/org-{suggestion.facility}"},
        "reasonCode": [
            {
                "coding": [
                    {
                        "system": "https://enlace.mx/fhir/CodeSystem/supply-reason",
                        "code": suggestion.reason,
                    }
                ],
                "text": (
                    f"on hand {suggestion.on_hand}, forecast {suggestion.forecast:.1f}/month, "
                    f"order-up-to {suggestion.order_up_to:.0f}"
                ),
            }
        ],
    }


def write(
    conn: Connection, repo: FhirRepository, day: date, found: list[Suggestion], ran_us: int
) -> int:
    """Replace the day's SupplyRequests and rows with `found`; returns the number of requests."""
    key = day.isoformat()
    for (old,) in conn.execute(select(suggestions.c.request_id).where(suggestions.c.day == key)):
        if old:
            repo.delete(conn, "SupplyRequest", old)
    conn.execute(delete(suggestions).where(suggestions.c.day == key))
    conn.execute(delete(requisition_runs).where(requisition_runs.c.day == key))
    rows = []
    for line, item in enumerate(found):
        request_id = (
            repo.create(conn, supply_request(item, day)).id if item.kind == "order" else None
        )
        rows.append({**_row(item), "day": key, "line": line, "request_id": request_id})
    if rows:
        conn.execute(insert(suggestions), rows)
    orders = sum(1 for s in found if s.kind == "order")
    conn.execute(
        insert(requisition_runs).values(
            day=key, ran_us=ran_us, orders=orders, transfers=len(found) - orders
        )
    )
    return orders


def _row(item: Suggestion) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "facility": item.facility,
        "source": item.source,
        "product": item.product,
        "quantity": item.quantity,
        "on_hand": item.on_hand,
        "forecast": item.forecast,
        "order_up_to": item.order_up_to,
        "days_of_stock": item.days_of_stock,
        "reason": item.reason,
    }


def read_day(conn: Connection, day: date, facility: str | None = None) -> list[dict[str, Any]]:
    """The day's suggestions (optionally one facility's), in line order."""
    query = select(suggestions).where(suggestions.c.day == day.isoformat())
    if facility is not None:
        query = query.where(suggestions.c.facility == facility)
    return [dict(row._mapping) for row in conn.execute(query.order_by(suggestions.c.line))]


def run(
    db: Database,
    repo: FhirRepository,
    day: date,
    ran_us: int,
    progress: Progress = lambda n: None,
    budget_centavos: int | None = None,
    services: Any | None = None,
    facilities: Sequence[catalog.Facility] | None = None,
    products: Sequence[str] | None = None,
) -> list[Suggestion]:
    """Plan from a read (dispensing is not held up on SQLite), then replace the day in one
    write transaction. With `services`, demand comes from supply.forecast."""
    with db.read() as conn:
        served = list(facilities) if facilities is not None else served_facilities()
        wanted = list(products) if products is not None else [m.slug for m in catalog.formulary()]
        forecasts = None
        if services is not None:
            places = [f.slug for f in served]
            forecasts = forecast_pairs(services, conn, day, places, wanted, progress)
        found = plan(conn, day, progress, served, wanted, budget_centavos, forecasts)
    with db.begin() as conn:
        write(conn, repo, day, found, ran_us)
    return found
