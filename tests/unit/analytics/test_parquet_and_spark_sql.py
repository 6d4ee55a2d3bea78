"""Indicators over Parquet views (DuckDB) and the DuckDB -> Spark SQL translation (docs/scale.md).

No Spark here: the translation is checked by parsing it back as Spark SQL; running it on Spark is
tests/integration/analytics/test_indicators_on_spark.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import sqlglot

from enlace.modules.analytics import indicators
from enlace.modules.analytics.indicators import queries as q
from enlace.modules.analytics.indicators.frame import NEEDED, placeholders
from enlace.modules.analytics.parquet import open_parquet, views_under
from enlace.modules.analytics.spark_sql import bind, to_spark
from enlace.sim import parquet_population

PERIOD = indicators.parse_period("2026-09")
SQL_INDICATORS = [i for i in indicators.catalog() if i.sql is not None]


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("parquet")
    parquet_population.write(root, 3_000, chunk=1_000)
    return root


def test_the_generator_writes_every_view_the_indicators_read(population: Path) -> None:
    assert set(views_under(population)) == set(NEEDED)
    con = open_parquet(population)
    patients = con.execute("SELECT count(*), count(DISTINCT id) FROM indicator_patients").fetchone()
    assert patients == (3_000, 3_000)
    orphans = con.execute(
        "SELECT count(*) FROM observation_values o ANTI JOIN indicator_patients p ON p.id = o.patient_id"
    ).fetchone()
    assert orphans == (0,)


def test_chunking_does_not_change_the_population(population: Path, tmp_path: Path) -> None:
    parquet_population.write(tmp_path, 3_000, chunk=3_000)
    one, three = open_parquet(tmp_path), open_parquet(population)
    for view in NEEDED:
        rows_one = sorted(one.execute(f"SELECT * FROM {view}").fetchall(), key=repr)
        rows_three = sorted(three.execute(f"SELECT * FROM {view}").fetchall(), key=repr)
        assert rows_one and rows_one == rows_three, view


def test_indicators_on_parquet_views_equal_those_on_tables(population: Path) -> None:
    on_files = open_parquet(population)
    on_tables = duckdb.connect()
    for view in views_under(population):
        on_tables.execute(
            f"CREATE TABLE {view} AS SELECT * FROM read_parquet('{population / view}/*.parquet')"
        )
    from_files = indicators.compute_on(on_files, SQL_INDICATORS, PERIOD, "state")
    from_tables = indicators.compute_on(on_tables, SQL_INDICATORS, PERIOD, "state")
    assert from_files == from_tables
    # A view over Parquet is not shadowed by the frame's empty stand-ins: numbers are there.
    counted = [c for c in from_files if c.denominator]
    assert len(counted) > len(from_files) // 2


def _frame_and_indicator_sql() -> list[str]:
    fill = placeholders(PERIOD)
    frame = [query.format(**fill) for query in
             (q.DIAGNOSES, q.LATEST_VALUES, q.SEEN_CODES, q.BP_OF_LATEST_DAY)]  # fmt: skip
    return frame + [str(i.sql).format(**fill) for i in SQL_INDICATORS]


@pytest.mark.parametrize("sql", _frame_and_indicator_sql())
def test_every_indicator_statement_translates_to_spark_sql(sql: str) -> None:
    spark = to_spark(sql)
    sqlglot.parse_one(spark, read="spark")  # raises when the translation is not Spark SQL
    assert "ARG_MAX" not in spark.upper() and "ARG_MIN(" not in spark.upper()


def test_duckdb_only_functions_get_their_spark_names() -> None:
    spark = to_spark("SELECT patient_id, arg_max(value, effective) FROM t GROUP BY 1")
    assert "MAX_BY(value, effective)" in spark
    assert bind("SELECT 1 WHERE a >= $s AND b = $n", {"s": "O'Hara", "n": 3}) == (
        "SELECT 1 WHERE a >= 'O''Hara' AND b = 3"
    )
