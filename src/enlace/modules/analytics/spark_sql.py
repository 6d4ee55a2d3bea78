"""The indicator SQL on Spark: DuckDB's dialect translated by sqlglot, run through a Spark session.

For the jobs larger than one DuckDB process (docs/scale.md): the same view tables, as Parquet
folders, registered as Spark temporary views; the same indicator library, unchanged, driving a
connection-shaped adapter. Each statement the library sends is translated from DuckDB to Spark
SQL (`to_spark`); the library's working tables (`CREATE OR REPLACE TEMP TABLE x AS ...`) become
cached temporary views. Only what the FHIR indicators use is adapted: `execute` with `$name`
parameters, `fetchall`, `fetchone`, and the catalog query of `frame.ensure_tables`.

pyspark is optional (the `spark` extra): nothing here imports it; the caller passes a session.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import sqlglot

_TEMP_TABLE = re.compile(r"^\s*CREATE OR REPLACE TEMP TABLE (\w+) AS (.*)$", re.S | re.I)
_PARAM = re.compile(r"\$([A-Za-z_]\w*)")


def to_spark(sql: str) -> str:
    """`sql` in DuckDB's dialect, as Spark SQL (raises sqlglot.errors.ParseError if unreadable)."""
    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]


def bind(sql: str, params: dict[str, Any] | None) -> str:
    """DuckDB's `$name` parameters replaced by SQL literals (Spark SQL here takes none)."""
    if not params:
        return sql

    def literal(match: re.Match[str]) -> str:
        value = params[match.group(1)]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return repr(value)
        return "'" + str(value).replace("'", "''") + "'"

    return _PARAM.sub(literal, sql)


class SparkConnection:
    """Enough of a DuckDB connection for `indicators.compute_on` to run on Spark."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.rows: list[tuple[Any, ...]] = []
        self.statements: list[str] = []  # the Spark SQL sent, in order

    def register_parquet(self, root: Path, names: list[str]) -> None:
        for name in names:
            frame = self.session.read.parquet(str(root / name))
            frame.createOrReplaceTempView(name)

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> SparkConnection:
        if "duckdb_tables()" in sql:
            self.rows = [(t.name,) for t in self.session.catalog.listTables()]
            return self
        made = _TEMP_TABLE.match(sql)
        if made is not None:
            name, query = made.groups()
            self._run(f"CREATE OR REPLACE TEMPORARY VIEW {name} AS {to_spark(bind(query, params))}")
            self._run(f"CACHE TABLE {name}")
            self.rows = []
            return self
        result = self._run(to_spark(bind(sql, params)))
        self.rows = [tuple(row) for row in result.collect()]
        return self

    def _run(self, statement: str) -> Any:
        self.statements.append(statement)
        return self.session.sql(statement)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None
