"""Where materialized view rows go: the embedded DuckDB file (default) or the platform's own SQL
database (PostgreSQL in production), behind one small interface.

Each view is one table named after it (`table_name`), its columns typed from the
ViewDefinition's column types (`sql_type`), plus a leading `_resource_id` so a changed or deleted
resource's rows can be replaced. A refresh happens in one transaction of the target: the rows and
the refresh mark (`RefreshMark`) change together or not at all. Collection columns hold JSON text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Float,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from enlace.kernel import errors
from enlace.modules.analytics.tables import refresh_state
from enlace.modules.analytics.viewdef import Column as ViewColumn

KEY = "_resource_id"
_INTEGERS = frozenset({"integer", "positiveInt", "unsignedInt", "integer64"})


@dataclass(frozen=True, slots=True)
class RefreshMark:
    watermark_seq: int
    watermark_us: int
    refreshed_us: int
    row_count: int
    definition_hash: str


def table_name(view_name: str, prefix: str = "") -> str:
    """A safe SQL identifier from a view's name: lower case, [a-z0-9_], not starting with a digit."""
    name = re.sub(r"[^a-z0-9_]+", "_", view_name.lower()).strip("_") or "view"
    if name[0].isdigit():
        name = f"v_{name}"
    return (prefix + name)[:63]


def sql_type(column: ViewColumn) -> str:
    """The column's logical SQL type: BOOLEAN, BIGINT, DOUBLE or VARCHAR (dates stay ISO text:
    FHIR dates may be partial, 1970-06)."""
    if column.collection:
        return "VARCHAR"
    if column.type == "boolean":
        return "BOOLEAN"
    if column.type in _INTEGERS:
        return "BIGINT"
    if column.type == "decimal":
        return "DOUBLE"
    return "VARCHAR"


def _boolean(value: Any) -> Any:
    return value if type(value) is bool else None


def _bigint(value: Any) -> Any:
    return value if type(value) is int else None


def _double(value: Any) -> Any:
    kind = type(value)
    return value if kind is float else (float(value) if kind is int else None)


def _text(value: Any) -> Any:
    if value is None or type(value) is str:
        return value
    if type(value) is bool:
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"))


_COERCERS = {"BOOLEAN": _boolean, "BIGINT": _bigint, "DOUBLE": _double, "VARCHAR": _text}


def coercer(kind: str) -> Callable[[Any], Any]:
    """How a value becomes its column's SQL type: a value of another kind is NULL there (a
    number in a BIGINT column must be an integer), not an error; text columns take any value,
    complex ones as JSON."""
    return _COERCERS[kind]


def coerce(kind: str, value: Any) -> Any:
    return _COERCERS[kind](value)


class Target(Protocol):
    name: str

    def mark(self, view: str) -> RefreshMark | None: ...
    def recreate(self, view: str, columns: Sequence[tuple[str, str]]) -> None: ...
    def delete_resources(self, view: str, ids: Sequence[str]) -> None: ...
    def insert(self, view: str, names: Sequence[str], rows: list[tuple[Any, ...]]) -> None: ...
    def count(self, view: str) -> int: ...
    def save_mark(self, view: str, mark: RefreshMark) -> None: ...


class DuckDbTarget:
    """One DuckDB file; the caller brackets a refresh with `begin()` and `commit()`."""

    name = "duckdb"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path) if str(path) != ":memory:" else path
        if isinstance(self.path, Path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(path))
        except duckdb.IOException as exc:  # another process holds the file's write lock
            raise errors.error(
                409, "conflict", f"the analytics file {path} is in use by another process: {exc}"
            ) from exc
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS _enlace_refresh_state (view VARCHAR PRIMARY KEY, "
            "watermark_seq BIGINT, watermark_us BIGINT, refreshed_us BIGINT, row_count BIGINT, "
            "definition_hash VARCHAR)"
        )

    def begin(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def commit(self) -> None:
        self.con.execute("COMMIT")

    def rollback(self) -> None:
        self.con.execute("ROLLBACK")

    def close(self) -> None:
        self.con.close()

    def mark(self, view: str) -> RefreshMark | None:
        row = self.con.execute(
            "SELECT watermark_seq, watermark_us, refreshed_us, row_count, definition_hash "
            "FROM _enlace_refresh_state WHERE view = ?",
            [view],
        ).fetchone()
        return RefreshMark(*row) if row else None

    def recreate(self, view: str, columns: Sequence[tuple[str, str]]) -> None:
        table = _quoted(table_name(view))
        body = ", ".join(f"{_quoted(n)} {t}" for n, t in [(KEY, "VARCHAR"), *columns])
        self.con.execute(f"DROP TABLE IF EXISTS {table}")
        self.con.execute(f"CREATE TABLE {table} ({body})")

    def delete_resources(self, view: str, ids: Sequence[str]) -> None:
        table = _quoted(table_name(view))
        for start in range(0, len(ids), 1000):
            chunk = list(ids[start : start + 1000])
            marks = ", ".join("?" * len(chunk))
            self.con.execute(f"DELETE FROM {table} WHERE {KEY} IN ({marks})", chunk)

    def insert(self, view: str, names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        import pandas

        frame = pandas.DataFrame.from_records(rows, columns=[KEY, *names])  # noqa: F841
        self.con.execute(f"INSERT INTO {_quoted(table_name(view))} SELECT * FROM frame")

    def count(self, view: str) -> int:
        row = self.con.execute(f"SELECT count(*) FROM {_quoted(table_name(view))}").fetchone()
        return int(row[0]) if row else 0

    def save_mark(self, view: str, mark: RefreshMark) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO _enlace_refresh_state VALUES (?, ?, ?, ?, ?, ?)",
            [view, mark.watermark_seq, mark.watermark_us, mark.refreshed_us, mark.row_count,
             mark.definition_hash],
        )  # fmt: skip

    def export(self, view: str, path: Path, file_format: str) -> None:
        """The view's rows (without the key column) as Parquet or CSV."""
        options = "FORMAT PARQUET" if file_format == "parquet" else "FORMAT CSV, HEADER"
        target = str(path).replace("'", "''")
        self.con.execute(
            f"COPY (SELECT * EXCLUDE ({KEY}) FROM {_quoted(table_name(view))}) "
            f"TO '{target}' ({options})"
        )


class SqlTarget:
    """Tables `analytics_view_<name>` in the platform's database, on the caller's transaction."""

    name = "sql"

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.metadata = MetaData()
        self.tables: dict[str, Table] = {}

    def _table(self, view: str, columns: Sequence[tuple[str, str]] | None = None) -> Table:
        if view in self.tables and columns is None:
            return self.tables[view]
        name = table_name(view, "analytics_view_")
        if columns is None:
            table = Table(name, MetaData(), autoload_with=self.conn)
        else:
            table = Table(
                name,
                MetaData(),
                Column(KEY, String(64), index=True, nullable=False),
                *(Column(n, _SQLALCHEMY_TYPES[t]) for n, t in columns),
            )
        self.tables[view] = table
        return table

    def mark(self, view: str) -> RefreshMark | None:
        s = refresh_state.c
        row = self.conn.execute(
            select(s.watermark_seq, s.watermark_us, s.refreshed_us, s.row_count,
                   s.definition_hash).where(s.view == view, s.target == self.name)
        ).first()  # fmt: skip
        return RefreshMark(*row) if row else None

    def recreate(self, view: str, columns: Sequence[tuple[str, str]]) -> None:
        table = self._table(view, columns)
        table.drop(self.conn, checkfirst=True)
        table.create(self.conn)

    def delete_resources(self, view: str, ids: Sequence[str]) -> None:
        table = self._table(view)
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            self.conn.execute(delete(table).where(table.c[KEY].in_(chunk)))

    def insert(self, view: str, names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            keys = [KEY, *names]
            table = self._table(view)
            self.conn.execute(table.insert(), [dict(zip(keys, r, strict=True)) for r in rows])

    def count(self, view: str) -> int:
        return int(
            self.conn.execute(select(func.count()).select_from(self._table(view))).scalar_one()
        )

    def save_mark(self, view: str, mark: RefreshMark) -> None:
        values = {"view": view, "target": self.name, **_mark_values(mark)}
        insert = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        statement = insert(refresh_state).values(values)
        self.conn.execute(
            statement.on_conflict_do_update(
                index_elements=["view", "target"],
                set_={k: v for k, v in values.items() if k not in ("view", "target")},
            )
        )


def _mark_values(mark: RefreshMark) -> dict[str, Any]:
    return {
        "watermark_seq": mark.watermark_seq,
        "watermark_us": mark.watermark_us,
        "refreshed_us": mark.refreshed_us,
        "row_count": mark.row_count,
        "definition_hash": mark.definition_hash,
    }


_SQLALCHEMY_TYPES: dict[str, Any] = {
    "BOOLEAN": Boolean(),
    "BIGINT": BigInteger(),
    "DOUBLE": Float(),
    "VARCHAR": Text(),
}


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
