"""Materializing a view: its rows into a target table, from scratch or only what changed.

A first refresh (or `full=True`, or a view whose definition changed) recreates the table and
reads every current resource of the view's type (`FhirRepository.scan`, keyset pages). Later
refreshes read the store's history newest first (`FhirRepository.history`, pages by sequence
number, on the (type, seq) index) down to the mark left by the last refresh; each changed
resource's rows are deleted and, unless its newest version is a delete, written again. Older
versions of a resource seen in the same pass are skipped, so a resource edited ten times in a
day is evaluated once.

On PostgreSQL two transactions can commit out of sequence order; `margin_us` (2 s by default
there) re-reads history that recent behind the mark, which is harmless: replacing a resource's
rows is idempotent. SQLite writes one transaction at a time, so its margin is 0.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from enlace.modules.analytics.engine import Row, ViewRunner
from enlace.modules.analytics.parallel import Page, PagePool
from enlace.modules.analytics.targets import RefreshMark, Target, coercer, sql_type
from enlace.modules.analytics.viewdef import CompiledView
from enlace.store.records import StoredVersion
from enlace.store.repository import FhirRepository

Progress = Callable[[int], None]  # told how many more resources were processed

PAGE = 1000


@dataclass(frozen=True, slots=True)
class RefreshResult:
    view: str
    target: str
    full: bool
    resources: int  # resource versions evaluated (changed or, when full, all)
    deleted: int  # resources whose rows were removed because they were deleted
    rows_written: int
    row_count: int  # rows in the table afterwards
    seconds: float

    @property
    def resources_per_second(self) -> float:
        return self.resources / self.seconds if self.seconds > 0 else 0.0


def definition_hash(view: CompiledView) -> str:
    text = json.dumps(view.definition, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class _Writer:
    """Evaluates resources and writes their rows to the target in batches."""

    def __init__(self, view: CompiledView, target: Target, progress: Progress | None) -> None:
        self.view, self.target, self.progress = view, target, progress
        self.runner = ViewRunner(view)
        self.coercers = [coercer(sql_type(c)) for c in view.columns]
        self.resources = self.deleted = self.rows_written = 0

    def replace(self, versions: list[StoredVersion], delete_first: bool) -> None:
        self.write(_decoded(versions), delete_first)

    def write(self, decoded: list[tuple[str, dict[str, Any] | None]], delete_first: bool) -> None:
        """Rows for each (id, resource); a None resource (deleted) only loses its rows."""
        if not decoded:
            return
        if delete_first:
            self.target.delete_resources(self.view.name, [rid for rid, _ in decoded])
        rows: list[Row] = []
        coercers = self.coercers
        view_rows = self.runner.rows
        for resource_id, resource in decoded:
            if resource is None:
                self.deleted += 1
                continue
            for row in view_rows(resource):
                rows.append((resource_id, *[f(v) for f, v in zip(coercers, row, strict=True)]))
        self.target.insert(self.view.name, self.view.column_names, rows)
        self.resources += len(decoded)
        self.rows_written += len(rows)
        if self.progress is not None:
            self.progress(len(decoded))

    def add(self, rows: list[Row], resources: int) -> None:
        """Rows evaluated elsewhere (a worker process) for `resources` resources."""
        self.target.insert(self.view.name, self.view.column_names, rows)
        self.resources += resources
        self.rows_written += len(rows)
        if self.progress is not None:
            self.progress(resources)


def _decoded(versions: list[StoredVersion]) -> list[tuple[str, dict[str, Any] | None]]:
    return [(v.id, None if v.deleted else v.resource()) for v in versions]


def refresh_views(
    read: Connection,
    repo: FhirRepository,
    views: list[CompiledView],
    target: Target,
    *,
    full: bool = False,
    margin_us: int = 0,
    progress: Callable[[CompiledView], Progress | None] | None = None,
    pool: PagePool | None = None,
) -> list[RefreshResult]:
    """Views of one resource type: those to rebuild share one scan of the store (each page
    decoded once; evaluated in `pool`'s worker processes when given), the others are brought
    up to date one by one (`refresh_view`)."""
    results: dict[str, RefreshResult] = {}
    rebuild: list[CompiledView] = []
    for view in views:
        mark = target.mark(view.name)
        if full or mark is None or mark.definition_hash != definition_hash(view):
            rebuild.append(view)
        else:
            tick = progress(view) if progress is not None else None
            results[view.name] = refresh_view(
                read, repo, view, target, margin_us=margin_us, progress=tick
            )
    if rebuild:
        for result in _rebuild(read, repo, rebuild, target, progress, pool):
            results[result.view] = result
    return [results[v.name] for v in views]


def _rebuild(
    read: Connection,
    repo: FhirRepository,
    views: list[CompiledView],
    target: Target,
    progress: Callable[[CompiledView], Progress | None] | None,
    pool: PagePool | None = None,
) -> list[RefreshResult]:
    started = time.perf_counter()
    resource_type = views[0].resource
    newest = _newest(read, repo, resource_type)
    writers = [_Writer(v, target, progress(v) if progress else None) for v in views]
    for view in views:
        target.recreate(view.name, [(c.name, sql_type(c)) for c in view.columns])
    if pool is not None:
        _load_all_in_processes(read, repo, resource_type, writers, pool)
    else:
        _load_all(read, repo, resource_type, writers)
    seconds = time.perf_counter() - started
    return [_finish(w, target, newest, True, seconds) for w in writers]


def _finish(
    writer: _Writer, target: Target, newest: tuple[int, int], full: bool, seconds: float
) -> RefreshResult:
    view = writer.view
    row_count = target.count(view.name)
    mark = RefreshMark(
        newest[0], newest[1], int(time.time() * 1e6), row_count, definition_hash(view)
    )
    target.save_mark(view.name, mark)
    return RefreshResult(
        view.name,
        target.name,
        full,
        writer.resources,
        writer.deleted,
        writer.rows_written,
        row_count,
        seconds,
    )


def refresh_view(
    read: Connection,
    repo: FhirRepository,
    view: CompiledView,
    target: Target,
    *,
    full: bool = False,
    margin_us: int = 0,
    progress: Progress | None = None,
) -> RefreshResult:
    """Brings the view's table up to date from the store read through `read`. The caller owns
    the target's transaction (commit it after, or roll it back on an exception)."""
    started = time.perf_counter()
    mark = target.mark(view.name)
    if full or mark is None or mark.definition_hash != definition_hash(view):
        writer_progress = (lambda _: progress) if progress is not None else None
        return _rebuild(read, repo, [view], target, writer_progress)[0]
    writer = _Writer(view, target, progress)
    newest = _load_changes(read, repo, view.resource, writer, mark, margin_us) or (
        mark.watermark_seq,
        mark.watermark_us,
    )
    return _finish(writer, target, newest, False, time.perf_counter() - started)


def _newest(read: Connection, repo: FhirRepository, resource_type: str) -> tuple[int, int]:
    """The history mark a full load starts from: changes after it are read next time."""
    latest = repo.history(read, resource_type, limit=1)
    return (latest[0][0], latest[0][1].last_updated_us) if latest else (0, 0)


def _load_all(
    read: Connection, repo: FhirRepository, resource_type: str, writers: list[_Writer]
) -> None:
    after: str | None = None
    while True:
        page = repo.scan(read, resource_type, after=after, limit=PAGE)
        if not page:
            return
        decoded = _decoded(page)
        for writer in writers:
            writer.write(decoded, delete_first=False)
        after = page[-1].id


def _load_all_in_processes(
    read: Connection,
    repo: FhirRepository,
    resource_type: str,
    writers: list[_Writer],
    pool: PagePool,
) -> None:
    def pages() -> Iterator[Page]:
        after: str | None = None
        while True:
            page = repo.scan(read, resource_type, after=after, limit=PAGE)
            if not page:
                return
            yield [(v.id, v.content) for v in page if v.content is not None]
            after = page[-1].id

    indexes = [pool.names.index(w.view.name) for w in writers]
    for count, per_view in pool.rows(pages(), indexes):
        for writer, rows in zip(writers, per_view, strict=True):
            writer.add(rows, count)


def _load_changes(
    read: Connection,
    repo: FhirRepository,
    resource_type: str,
    writer: _Writer,
    mark: RefreshMark,
    margin_us: int,
) -> tuple[int, int] | None:
    """Replaces the rows of every resource changed since `mark`; the new mark, or None when
    nothing changed."""
    seen: set[str] = set()
    newest: tuple[int, int] | None = None
    before: int | None = None
    while True:
        page = repo.history(read, resource_type, before_seq=before, limit=PAGE)
        if not page:
            return newest
        if newest is None:
            newest = (page[0][0], page[0][1].last_updated_us)
        changed: list[StoredVersion] = []
        for seq, version in page:
            if seq <= mark.watermark_seq and not _within_margin(version, mark, margin_us):
                writer.replace(changed, delete_first=True)
                return newest if newest[0] > mark.watermark_seq else None
            if version.id not in seen:
                seen.add(version.id)
                changed.append(version)
        writer.replace(changed, delete_first=True)
        before = page[-1][0]


def _within_margin(version: StoredVersion, mark: RefreshMark, margin_us: int) -> bool:
    return margin_us > 0 and version.last_updated_us >= mark.watermark_us - margin_us


def run_rows(view: CompiledView, resources: list[dict[str, Any]]) -> list[Row]:
    """Every row of the view over the given resources (for `$run` and tests)."""
    return list(ViewRunner(view).run(resources))
