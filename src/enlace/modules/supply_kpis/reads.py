"""What the dashboard and the CLI read back from the snapshots: the stock-out rate over time,
the worst facilities and products of a day, the lowest months of stock and the run-out alerts,
for the network or the facilities a filter selects (state, institution, one facility)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, case, func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery

from enlace.kernel.errors import error
from enlace.modules.supply_kpis.kpis import rate
from enlace.modules.supply_kpis.service import FACILITIES, check_filter
from enlace.modules.supply_kpis.tables import ALL, alerts, pairs, rollups, snapshots


@dataclass(frozen=True, slots=True)
class Scope:
    """Which facilities a reader looks at; no filter is the whole network."""

    state: str | None = None
    institution: str | None = None
    facility: str | None = None

    def check(self) -> Scope:
        check_filter("state", self.state)
        check_filter("institution", self.institution)
        check_filter("facility", self.facility)
        return self

    @property
    def whole_network(self) -> bool:
        return self.state is None and self.institution is None and self.facility is None

    def facilities(self) -> list[str]:
        return [
            slug
            for slug, f in FACILITIES.items()
            if (self.facility is None or slug == self.facility)
            and (self.state is None or f.state == self.state)
            and (self.institution is None or f.institution == self.institution)
        ]


@dataclass(frozen=True, slots=True)
class Share:
    name: str
    count: int
    of: int
    extra: float | None = None  # e.g. the share within plan

    @property
    def rate(self) -> float | None:
        return rate(self.count, self.of)


def snapshot_days(conn: Connection, first: date, last: date) -> list[date]:
    query = (
        select(snapshots.c.day)
        .where(snapshots.c.day.between(first.isoformat(), last.isoformat()))
        .order_by(snapshots.c.day)
    )
    return [date.fromisoformat(d) for d in conn.execute(query).scalars()]


def latest_day(conn: Connection) -> date | None:
    found = conn.execute(select(func.max(snapshots.c.day))).scalar()
    return date.fromisoformat(found) if found else None


def stock_out_series(conn: Connection, scope: Scope, first: date, last: date) -> list[Share]:
    """Per snapshot day: pairs stocked out / pairs expected, in the scope."""
    query = (
        select(rollups.c.day, func.sum(rollups.c.stocked_out), func.sum(rollups.c.pairs))
        .where(
            rollups.c.day.between(first.isoformat(), last.isoformat()),
            rollups.c.product == ALL,
            *_rollup_scope(scope),
        )
        .group_by(rollups.c.day)
        .order_by(rollups.c.day)
    )
    return [Share(day, int(out), int(of)) for day, out, of in conn.execute(query)]


def worst_facilities(conn: Connection, scope: Scope, day: date, limit: int = 10) -> list[Share]:
    """Facilities by share of their products at zero, worst first; extra = reporting (0/1)."""
    share = rollups.c.stocked_out * 1.0 / rollups.c.pairs
    query = (
        select(rollups.c.scope, rollups.c.stocked_out, rollups.c.pairs, rollups.c.reported)
        .where(
            rollups.c.day == day.isoformat(),
            rollups.c.level == "facility",
            rollups.c.product == ALL,
            *_facility_filter(rollups.c.scope, scope),
        )
        .order_by(share.desc(), rollups.c.stocked_out.desc(), rollups.c.scope)
        .limit(limit)
    )
    return [Share(f, int(o), int(n), float(r)) for f, o, n, r in conn.execute(query)]


def worst_products(conn: Connection, scope: Scope, day: date, limit: int = 10) -> list[Share]:
    """Products by facilities at zero / facilities expected; extra = share within plan."""
    if scope.whole_network or (
        scope.facility is None and (scope.state is None) != (scope.institution is None)
    ):
        source = _product_rollups(scope, day)
    else:
        source = _product_pairs(scope, day)
    share = source.c.out * 1.0 / source.c.n
    query = (
        select(source).order_by(share.desc(), source.c.out.desc(), source.c.product).limit(limit)
    )
    return [Share(p, int(o), int(n), rate(int(w), int(a))) for p, o, n, w, a in conn.execute(query)]


def _product_rollups(scope: Scope, day: date) -> Subquery:
    level, name = _level_of(scope)
    return (
        select(
            rollups.c.product,
            rollups.c.stocked_out.label("out"),
            rollups.c.pairs.label("n"),
            rollups.c.within_plan.label("within"),
            rollups.c.assessed.label("assessed"),
        )
        .where(
            rollups.c.day == day.isoformat(),
            rollups.c.level == level,
            rollups.c.scope == name,
            rollups.c.product != ALL,
        )
        .subquery()
    )


def _product_pairs(scope: Scope, day: date) -> Subquery:
    return (
        select(
            pairs.c.product,
            func.sum(pairs.c.stocked_out).label("out"),
            func.count().label("n"),
            func.sum(case((pairs.c.plan == 0, 1), else_=0)).label("within"),
            func.sum(case((pairs.c.months_of_stock.is_not(None), 1), else_=0)).label("assessed"),
        )
        .where(pairs.c.day == day.isoformat(), *_facility_filter(pairs.c.facility, scope))
        .group_by(pairs.c.product)
        .subquery()
    )


@dataclass(frozen=True, slots=True)
class PairRow:
    facility: str
    product: str
    on_hand: int
    amc: float | None
    months_of_stock: float | None
    plan: int


def lowest_months_of_stock(
    conn: Connection, scope: Scope, day: date, limit: int = 20
) -> list[PairRow]:
    """Pairs in stock with the fewest months left (a stock-out is in the lists above)."""
    query = (
        select(
            pairs.c.facility,
            pairs.c.product,
            pairs.c.on_hand,
            pairs.c.amc,
            pairs.c.months_of_stock,
            pairs.c.plan,
        )
        .where(
            pairs.c.day == day.isoformat(),
            pairs.c.months_of_stock.is_not(None),
            pairs.c.on_hand > 0,
            *_facility_filter(pairs.c.facility, scope),
        )
        .order_by(pairs.c.months_of_stock, pairs.c.facility, pairs.c.product)
        .limit(limit)
    )
    return [PairRow(*row) for row in conn.execute(query)]


def runout_alerts(
    conn: Connection, scope: Scope, day: date, limit: int = 100
) -> list[dict[str, Any]]:
    query = (
        select(alerts)
        .where(alerts.c.day == day.isoformat(), *_facility_filter(alerts.c.facility, scope))
        .order_by(alerts.c.days_of_stock, alerts.c.facility, alerts.c.product)
        .limit(limit)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def require_snapshot(conn: Connection, day: date, where: str = "date") -> None:
    if not conn.execute(select(snapshots.c.day).where(snapshots.c.day == day.isoformat())).first():
        raise error(404, "not-found", f"no snapshot for {day.isoformat()}", where)


def _level_of(scope: Scope) -> tuple[str, str]:
    if scope.state is not None:
        return "state", scope.state
    if scope.institution is not None:
        return "institution", scope.institution
    return "network", ALL


def _rollup_scope(scope: Scope) -> list[ColumnElement[bool]]:
    if scope.facility is None and (scope.state is None or scope.institution is None):
        level, name = _level_of(scope)
        return [rollups.c.level == level, rollups.c.scope == name]
    return [rollups.c.level == "facility", *_facility_filter(rollups.c.scope, scope)]


def _facility_filter(column: ColumnElement[str], scope: Scope) -> list[ColumnElement[bool]]:
    if scope.whole_network:
        return []
    return [and_(column.in_(scope.facilities()))]
