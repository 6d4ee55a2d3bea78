"""Indicators over Parquet: a DuckDB connection whose view tables are views over Parquet files.

Past one machine's embedded file (docs/scale.md), each materialized view is a folder of Parquet
files (`<root>/<view>/*.parquet`, written by `enlace analytics views export --format parquet`,
by a distributed job, or by `enlace.sim.parquet_population` for a generated population). The
indicator library runs unchanged on the connection this returns: DuckDB reads only the columns
and row groups a query needs, and spills to `spill` past `memory_limit`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from enlace.modules.analytics.indicators.frame import NEEDED


def open_parquet(
    root: Path,
    memory_limit: str = "4GB",
    threads: int = 2,
    spill: Path | None = None,
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per view folder under `root`; views the
    indicators need but `root` lacks are left for the indicator frame to stand in for."""
    con = duckdb.connect(":memory:")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")
    if spill is not None:
        con.execute(f"SET temp_directory = '{spill}'")
    for name in views_under(root):
        pattern = str(root / name / "*.parquet").replace("'", "''")
        con.execute(f"CREATE VIEW \"{name}\" AS SELECT * FROM read_parquet('{pattern}')")
    return con


def views_under(root: Path) -> list[str]:
    """The view folders under `root` holding at least one Parquet file, known views first."""
    present = sorted(
        folder.name
        for folder in root.iterdir()
        if folder.is_dir() and folder.name.isidentifier() and any(folder.glob("*.parquet"))
    )
    return [n for n in NEEDED if n in present] + [n for n in present if n not in NEEDED]
