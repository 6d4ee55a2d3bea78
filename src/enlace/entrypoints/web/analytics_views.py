"""View-models of the analytics dashboards (issue 13 part 5): which board a role sees, what one
page of it holds (cells, this period vs the previous one, a monthly series, the drill-down
links) and the flat rows its CSV/Parquet download carries — the same rows the page shows, so
suppression for the role applies to both.

The numbers come from enlace.modules.analytics.indicators (compute, compare, series,
patient_list, rank); this module only chooses, scopes and formats them.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import analytics
from enlace.modules.analytics import indicators
from enlace.modules.analytics.indicators import Cell, Comparison, Period
from enlace.security.users import User

ID = re.compile(r"[A-Za-z0-9\-.:_]{1,64}")
SERIES_MONTHS = 12
SUPPRESSED_TEXT = "< 11"


@dataclass(frozen=True)
class Board:
    slug: str
    roles: tuple[str, ...]
    levels: tuple[str, ...]  # the levels it may show, the first the default
    indicator_ids: tuple[str, ...] | None  # None: every indicator
    identities: tuple[str, ...] = ("administrator",)  # roles that see small cells and names


OUTCOMES = ("dm2_hba1c_lt7", "cms122_hba1c_gt9", "htn_bp_lt_140_90", "cms165_bp_controlled",
            "obesity_bmi_lt30", "labs_complete", "foot_exam", "eye_exam", "screened",
            "consultations_per_patient")  # fmt: skip
PAYER = ("claims_pmpm", "pdc_80", "abandonment", "unfilled_rx", "dispensed_units",
         "consultations_per_patient", "dm2_hba1c_lt7", "cms165_bp_controlled")  # fmt: skip
PUBLIC = ("regulator", "analyst", "administrator")
BOARDS = {
    b.slug: b
    for b in (
        Board(
            "public-health", PUBLIC, ("national", "state", "institution", "network", "clinic"), None
        ),
        Board("payer", ("payer", "administrator"), ("national", "state", "institution"), PAYER),
        Board(
            "network", ("administrator", "analyst"), ("network", "clinic", "physician"), OUTCOMES
        ),
        Board("clinic", ("physician", "nurse", "administrator"), ("clinic", "physician"), OUTCOMES),
        Board("panel", ("physician",), ("physician",), OUTCOMES, ("physician",)),
    )
}


@dataclass
class Query:
    """What the page was asked for, checked."""

    period: Period
    level: str
    within: tuple[str, str] | None
    indicator: str  # the one charted over time and listed by patient
    identities: bool
    only_unit: str | None = None  # the user's own clinic or physician row, when scoped


@dataclass
class Dashboard:
    board: Board
    query: Query
    comparisons: list[Comparison]
    series: list[Cell]
    child: str | None  # the next level down a row links to, None at the bottom
    patients: list[Cell] = field(default_factory=list)
    ranking: list[Any] = field(default_factory=list)
    # the page's CSV/Parquet by (kind, language), made once: cached along with the numbers
    downloads: dict[tuple[str, str], bytes] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(c.current.value is not None or c.current.suppressed
                       for c in self.comparisons)  # fmt: skip


def default_period(today: date, latest: date | None = None) -> str:
    """The last whole month, or the month of the latest clinical record when the data end
    before it. Why: an operator opening a board wants the newest numbers there are; in a live
    network that is last month, but data that stop earlier (a feed that broke off, a network
    that went offline, the demo's simulated days of January 2026) would otherwise open every
    board on an empty month. The demo's days stay fixed (a rerun must find the same scenario),
    so the board follows the data rather than the data following the calendar."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    if latest is not None and (latest.year, latest.month) < (year, month):
        year, month = latest.year, latest.month
    return f"{year}-{month:02d}"


def ask(
    board: Board, user: User, params: dict[str, str], today: date, latest: date | None = None
) -> Query:
    """Checks `period` (default_period with `latest`, the day of the latest record), `level`,
    `unit` (level:id above the level) and `indicator`; scopes the clinic and panel boards to the
    user's own clinic or physician (400 naming the parameter)."""
    period = indicators.parse_period(params.get("period") or default_period(today, latest))
    level = params.get("level") or board.levels[0]
    allowed = (*board.levels, "patient") if _identities(board, user) else board.levels
    if level not in allowed:
        raise errors.bad_request(f"level must be one of {', '.join(allowed)}", "level")
    within, only = _scoped(board, user, level, _within(params.get("unit"), level))
    ids = board.indicator_ids or tuple(i.id for i in indicators.catalog())
    chosen = params.get("indicator") or ids[0]
    if chosen not in ids:
        raise errors.bad_request(f"indicator must be one of {', '.join(ids)}", "indicator")
    return Query(period, level, within, chosen, _identities(board, user), only)


def _identities(board: Board, user: User) -> bool:
    return user.role in board.identities


def _within(text: str | None, level: str) -> tuple[str, str] | None:
    if not text:
        return None
    kind, _, unit = text.partition(":")
    levels = indicators.LEVELS
    if kind not in levels or not ID.fullmatch(unit) or levels.index(kind) >= levels.index(level):
        raise errors.bad_request(f"unit must be <level above {level}>:<id>", "unit")
    return kind, unit


def _scoped(
    board: Board, user: User, level: str, within: tuple[str, str] | None
) -> tuple[tuple[str, str] | None, str | None]:
    """(within, only unit): a physician or nurse sees their own clinic, a physician's panel
    their own row and their own patients."""
    if board.slug == "panel":
        if not (user.fhir_user or "").startswith("Practitioner/"):
            raise errors.error(403, "forbidden", "the panel needs a physician account", "user")
        who = (user.fhir_user or "").removeprefix("Practitioner/")
        return (("physician", who), None) if level == "patient" else (None, who)
    if board.slug == "clinic" and user.role != "administrator":
        if not user.organization:
            raise errors.error(403, "forbidden", "the account belongs to no clinic", "user")
        if level == "clinic":
            return None, user.organization
        return ("clinic", user.organization), None
    return within, None


CACHE_SIZE = 128
_cache: OrderedDict[tuple[Any, ...], Dashboard] = OrderedDict()
_cache_lock = threading.Lock()


def build(services: Services, board: Board, query: Query) -> Dashboard:
    """The page's numbers, remembered until the views' DuckDB file changes: every figure a
    dashboard shows is a function of that file (refreshed by `refresh_sources`) and the query,
    so a second viewer of the same page does not recompute 14 periods of indicators."""
    path = analytics.duckdb_path(services.settings)
    try:
        stat = path.stat()
        state: tuple[Any, ...] = (str(path), stat.st_mtime_ns, stat.st_size)
    except OSError:
        state = (str(path), None, None)
    key = (*state, board.slug, query.period.label, query.level, query.within, query.indicator,
           query.identities, query.only_unit)  # fmt: skip
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    found = _build(services, board, query)
    with _cache_lock:
        _cache[key] = found
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return found


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _build(services: Services, board: Board, query: Query) -> Dashboard:
    ids = list(board.indicator_ids) if board.indicator_ids else None
    level, within, only = _shown_level(query), _shown_within(query), query.only_unit
    if query.level == "patient" and query.within is not None:
        only = query.within[1]  # the physician whose patients are listed
    with indicators.views_connection(services) as con:
        compared = indicators.compare(con, ids, query.period, level, within, query.identities)
        window = Period(f"{SERIES_MONTHS}m", _months_back(query.period), query.period.end)
        # the series follows one unit: the user's own row, else the unit drilled into
        parent, followed = (level, only) if only else (within or ("national", "MX"))
        series = [c for c in indicators.series(con, [query.indicator], window, parent, None,
                                               query.identities) if c.unit == followed]  # fmt: skip
        patients: list[Cell] = []
        if query.level == "patient" and query.within is not None:
            patients = indicators.patient_list(con, query.indicator, query.period,
                                               query.within, True)  # fmt: skip
        ranking = indicators.rank_on(con, query.period) if board.slug == "public-health" else []
    if only is not None:
        compared = [c for c in compared if c.unit == only]
    return Dashboard(board, query, compared, series, _child(board, query), patients,
                     ranking[:10])  # fmt: skip


def _shown_level(query: Query) -> str:
    """The patient list is drawn under its physician's row; the table stays at physician."""
    return "physician" if query.level == "patient" else query.level


def _shown_within(query: Query) -> tuple[str, str] | None:
    if query.level == "patient" and query.within and query.within[0] == "physician":
        return None
    return query.within


def _child(board: Board, query: Query) -> str | None:
    levels = board.levels
    if query.level in levels and levels.index(query.level) + 1 < len(levels):
        return levels[levels.index(query.level) + 1]
    if query.identities and query.level == "physician":
        return "patient"
    return None


def _months_back(period: Period) -> date:
    index = period.end.year * 12 + period.end.month - 1 - SERIES_MONTHS
    return date(index // 12, index % 12 + 1, 1)


def shown(cell: Cell, lang: str) -> str:
    """A cell as the page and the downloads print it: never 0 for what cannot be computed."""
    if cell.suppressed:
        return SUPPRESSED_TEXT
    if cell.value is None:
        return "no calculable" if lang == "es" else "not computable"
    return f"{cell.value:g}"


def status(cell: Cell) -> str:
    if cell.suppressed:
        return "suppressed"
    return "not computable" if cell.value is None else "ok"


COLUMNS = ("indicator", "title", "period", "level", "unit", "name", "numerator", "denominator",
           "value", "status", "reason", "previous_period", "previous_value", "change")  # fmt: skip


def download_rows(view: Dashboard, lang: str) -> list[dict[str, Any]]:
    """The page's table as flat rows (the patient list too, when the page shows one)."""
    rows = [_row(c.current, lang, c.previous, c.change) for c in view.comparisons]
    rows += [_row(p, lang, None, None) for p in view.patients]
    return rows


def _row(cell: Cell, lang: str, previous: Cell | None, change: float | None) -> dict[str, Any]:
    return {
        "indicator": cell.indicator,
        "title": indicators.BY_ID[cell.indicator].title(lang),
        "period": cell.period,
        "level": cell.level,
        "unit": cell.unit,
        "name": cell.name,
        "numerator": None if cell.suppressed else whole(cell.numerator),
        "denominator": None if cell.suppressed else whole(cell.denominator),
        "value": None if cell.suppressed else cell.value,
        "status": status(cell),
        "reason": cell.reason or "",
        "previous_period": previous.period if previous else "",
        "previous_value": None if previous is None or previous.suppressed else previous.value,
        "change": change,
    }


def whole(number: float | None) -> float | int | None:
    """Counts as whole numbers (DuckDB sums come back as int or float by the query's path)."""
    if number is None:
        return None
    return int(number) if float(number).is_integer() else float(number)
