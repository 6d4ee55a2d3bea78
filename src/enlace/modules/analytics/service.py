"""The analytics use cases: the registry of views, refreshing their tables, exporting them.

Views are the built-in ones (builtin_views.py) plus those saved in `analytics_views` (a saved
view replaces a built-in one of the same name). `refresh` materializes views into the DuckDB
file `$ENLACE_VAR_DIR/analytics.duckdb` (default) or into the platform's own database
(`target="sql"`: tables `analytics_view_<name>`), incrementally after the first time
(materialize.py). The views of one resource type are refreshed in one transaction of the target
and, when rebuilt, from one scan of the store. `export` writes a view's DuckDB
table as Parquet or CSV.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, delete, select

from enlace.kernel import errors
from enlace.kernel.settings import Settings
from enlace.modules.analytics.builtin_views import BUILTIN_VIEWS
from enlace.modules.analytics.materialize import Progress, RefreshResult, refresh_views
from enlace.modules.analytics.parallel import PagePool
from enlace.modules.analytics.run import checked_view
from enlace.modules.analytics.tables import views as views_table
from enlace.modules.analytics.targets import DuckDbTarget, SqlTarget, table_name
from enlace.modules.analytics.viewdef import CompiledView
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

TARGETS = ("duckdb", "sql")
EXPORT_FORMATS = ("parquet", "csv")


class AnalyticsServices(Protocol):
    """What analytics needs of the composed services (modules may not import interactions)."""

    settings: Settings
    db: Database
    repo: FhirRepository


def duckdb_path(settings: Settings) -> Path:
    return Path(settings.var_dir) / "analytics.duckdb"


# -- the registry -----------------------------------------------------------------------------
def save_view(conn: Connection, definition: Any, now_us: int | None = None) -> CompiledView:
    """Stores (or replaces) a view by name, after checking it (400 naming each problem)."""
    view = checked_view(definition)
    if len(view.name) > 64:
        raise errors.bad_request("a view name has at most 64 characters", "ViewDefinition.name")
    conn.execute(delete(views_table).where(views_table.c.name == view.name))
    conn.execute(
        views_table.insert().values(
            name=view.name,
            resource=view.resource,
            definition=json.dumps(definition, sort_keys=True),
            updated_us=now_us if now_us is not None else int(time.time() * 1e6),
        )
    )
    return view


def remove_view(conn: Connection, name: str) -> bool:
    return bool(conn.execute(delete(views_table).where(views_table.c.name == name)).rowcount)


def all_views(conn: Connection) -> dict[str, CompiledView]:
    """Every view by name: built-in ones, then the saved ones (which win on a name clash)."""
    found = {v.name: v for v in (checked_view(d) for d in BUILTIN_VIEWS)}
    for row in conn.execute(select(views_table.c.definition).order_by(views_table.c.name)):
        view = checked_view(json.loads(row[0]))
        found[view.name] = view
    return found


def pick(views: dict[str, CompiledView], names: Iterable[str] | None) -> list[CompiledView]:
    if not names:
        return list(views.values())
    wanted = list(names)
    unknown = [n for n in wanted if n not in views]
    if unknown:
        raise errors.not_found(f"no view named {', '.join(unknown)}")
    return [views[n] for n in wanted]


# -- refresh and export -------------------------------------------------------------------------
def refresh(
    services: AnalyticsServices,
    names: Iterable[str] | None = None,
    *,
    target: str = "duckdb",
    path: Path | None = None,
    full: bool = False,
    margin_us: int | None = None,
    progress: Callable[[CompiledView], Progress | None] | None = None,
    workers: int = 1,
) -> list[RefreshResult]:
    """Materializes the named views (all when None); one result per view. `margin_us`: how far
    behind the last mark history is read again (default 2 s on PostgreSQL, 0 on SQLite);
    `workers`: processes evaluating a rebuild's pages (1: this process)."""
    if target not in TARGETS:
        raise errors.bad_request(f"target must be one of {', '.join(TARGETS)}", "target")
    if not 1 <= workers <= 64:
        raise errors.bad_request("workers is 1 to 64", "workers")
    with services.db.read() as read:
        chosen = pick(all_views(read), names)
    if margin_us is None:
        margin_us = 2_000_000 if services.db.dialect == "postgresql" else 0
    definitions = [{**v.definition, "name": v.name} for v in chosen]
    with ExitStack() as stack:
        pool = stack.enter_context(PagePool(definitions, workers)) if workers > 1 else None
        return [
            result
            for group in _by_resource_type(chosen)
            for result in _refresh_group(services, group, target, path, full, margin_us,
                                         progress, pool)
        ]  # fmt: skip


def _refresh_group(
    services: AnalyticsServices,
    group: list[CompiledView],
    target: str,
    path: Path | None,
    full: bool,
    margin_us: int,
    progress: Callable[[CompiledView], Progress | None] | None,
    pool: PagePool | None,
) -> list[RefreshResult]:
    if target == "duckdb":
        return _refresh_duckdb(services, group, path, full, margin_us, progress, pool)
    with services.db.read() as read, services.db.begin() as write:
        return refresh_views(
            read, services.repo, group, SqlTarget(write),
            full=full, margin_us=margin_us, progress=progress, pool=pool,
        )  # fmt: skip


def _by_resource_type(views: list[CompiledView]) -> list[list[CompiledView]]:
    """Views grouped by resource type (first appearance order): a group shares one scan."""
    groups: dict[str, list[CompiledView]] = {}
    for view in views:
        groups.setdefault(view.resource, []).append(view)
    return list(groups.values())


def _refresh_duckdb(
    services: AnalyticsServices,
    views: list[CompiledView],
    path: Path | None,
    full: bool,
    margin_us: int,
    progress: Callable[[CompiledView], Progress | None] | None,
    pool: PagePool | None,
) -> list[RefreshResult]:
    duck = DuckDbTarget(path or duckdb_path(services.settings))
    try:
        duck.begin()
        with services.db.read() as read:
            results = refresh_views(
                read, services.repo, views, duck,
                full=full, margin_us=margin_us, progress=progress, pool=pool,
            )  # fmt: skip
        duck.commit()
        return results
    except BaseException:
        duck.rollback()
        raise
    finally:
        duck.close()


def export(
    services: AnalyticsServices, name: str, out: Path, file_format: str, path: Path | None = None
) -> Path:
    """The view's materialized rows (DuckDB) as a Parquet or CSV file at `out`."""
    if file_format not in EXPORT_FORMATS:
        raise errors.bad_request(f"format must be one of {', '.join(EXPORT_FORMATS)}", "format")
    duck = DuckDbTarget(path or duckdb_path(services.settings))
    try:
        if duck.mark(name) is None:
            raise errors.not_found(f"view {name} is not materialized yet: refresh it first")
        out.parent.mkdir(parents=True, exist_ok=True)
        duck.export(name, out, file_format)
    finally:
        duck.close()
    return out


def materialized(services: AnalyticsServices, path: Path | None = None) -> dict[str, Any]:
    """What the DuckDB file holds per view: table, rows, last refresh (microseconds)."""
    file = path or duckdb_path(services.settings)
    if not file.exists():
        return {}
    duck = DuckDbTarget(file)
    try:
        rows = duck.con.execute(
            "SELECT view, row_count, refreshed_us FROM _enlace_refresh_state"
        ).fetchall()
    finally:
        duck.close()
    return {
        view: {"table": table_name(view), "rows": count, "refreshed_us": refreshed}
        for view, count, refreshed in rows
    }
