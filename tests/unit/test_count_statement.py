"""The COUNT of a search reads index rows, not `resources`, when a criterion can drive it."""

from __future__ import annotations

from sqlalchemy.dialects import sqlite

from enlace.search.engine import compile_filters, context, count_statement
from enlace.search.query import parse_query
from enlace.search.registry import load_registry
from enlace.search.runtime import SearchRuntime


def test_the_count_is_driven_by_index_rows_when_it_can() -> None:
    config = SearchRuntime(load_registry()).current()
    compiled = []
    for params in ([("code", "a"), ("date", "ge2015")], [("_lastUpdated", "gt2015")]):
        where, _ = compile_filters(context(config), parse_query("Observation", params))
        compiled.append(str(count_statement(where).compile(dialect=sqlite.dialect())))
    assert "candidates" in compiled[0] and "FROM resources" not in compiled[0]
    assert "candidates" not in compiled[1] and "FROM resources" in compiled[1]
