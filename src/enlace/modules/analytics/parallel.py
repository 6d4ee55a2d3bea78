"""A full rebuild's pages of resources evaluated in worker processes.

The engine is pure Python and CPU-bound, so a rebuild of a large type can use more cores: the
parent reads pages from the store (the stored JSON, already decrypted) and inserts rows; each
worker compiles the views once (`_start`) and turns a page into coerced rows for every view
(`_evaluate`). At most two pages per worker are in flight, and results come back in page order,
so memory stays bounded and the tables are filled in the same order as by one process.
Workers are spawned (not forked: the parent holds database connections).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import orjson

from enlace.modules.analytics.engine import Row, ViewRunner
from enlace.modules.analytics.targets import coercer, sql_type
from enlace.modules.analytics.viewdef import compile_view

Page = list[tuple[str, bytes]]  # (resource id, stored JSON)
_VIEWS: list[tuple[ViewRunner, list[Callable[[Any], Any]]]] = []


def _start(definitions: list[dict[str, Any]]) -> None:
    _VIEWS.clear()
    for definition in definitions:
        view = compile_view(definition)
        _VIEWS.append((ViewRunner(view), [coercer(sql_type(c)) for c in view.columns]))


def _evaluate(page: Page, indexes: list[int]) -> list[list[Row]]:
    views = [_VIEWS[i] for i in indexes]
    out: list[list[Row]] = [[] for _ in views]
    for resource_id, content in page:
        resource = orjson.loads(content)
        for rows, (runner, coercers) in zip(out, views, strict=True):
            for row in runner.rows(resource):
                rows.append((resource_id, *[f(v) for f, v in zip(coercers, row, strict=True)]))
    return out


class PagePool:
    """One pool for a whole refresh: its workers compile every view of the refresh once and
    are started on the first page submitted (a refresh with nothing to rebuild starts none)."""

    def __init__(self, definitions: list[dict[str, Any]], workers: int) -> None:
        self.workers = workers
        self.names = [str(d.get("name") or "") for d in definitions]
        self.pool = ProcessPoolExecutor(
            workers, mp_context=get_context("spawn"), initializer=_start, initargs=(definitions,)
        )

    def __enter__(self) -> PagePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def rows(
        self, pages: Iterable[Page], indexes: list[int]
    ) -> Iterator[tuple[int, list[list[Row]]]]:
        """(resources in the page, rows of each view `indexes` picks) for each page, in order."""
        pending: list[tuple[int, Future[list[list[Row]]]]] = []
        for page in pages:
            pending.append((len(page), self.pool.submit(_evaluate, page, indexes)))
            if len(pending) >= 2 * self.workers:
                count, future = pending.pop(0)
                yield count, future.result()
        for count, future in pending:
            yield count, future.result()
