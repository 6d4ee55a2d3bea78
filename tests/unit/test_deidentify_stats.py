"""k-anonymity on quasi-identifiers and small-cell suppression with complementary suppression."""

from __future__ import annotations

import random
from typing import Any

import pytest

from enlace.security.deidentify_rules import birth_band
from enlace.security.deidentify_stats import (
    SUPPRESSED,
    QuasiIdentifierTally,
    enforce_k_anonymity,
    k_anonymity,
    suppress_small_cells,
)

QIS = ("birth", "gender", "region")


def person(birth: str, gender: str = "female", region: str = "MX|Jalisco|44") -> dict[str, str]:
    return {"birth": birth, "gender": gender, "region": region}


def test_report_names_the_smallest_class_and_what_falls_below_k() -> None:
    records = [person("1970")] * 3 + [person("1980")] * 2 + [person("1990", "male")]
    report = k_anonymity(records, QIS, k=3)
    assert (report.records, report.classes, report.smallest_class) == (6, 3, 1)
    assert (report.classes_below_k, report.records_below_k) == (2, 3)
    assert not report.satisfied
    assert k_anonymity(records, QIS, k=1).satisfied
    assert k_anonymity([], QIS, k=5).smallest_class == 0


def test_enforcement_without_generalization_drops_small_classes() -> None:
    records = [person("1970")] * 3 + [person("1980")] * 2
    result = enforce_k_anonymity(records, QIS, k=3)
    assert result.records == [person("1970")] * 3
    assert result.suppressed == [person("1980")] * 2
    assert result.generalized == 0 and result.after.satisfied


def test_enforcement_generalizes_birth_years_before_dropping() -> None:
    exact = [person("1970")] * 4
    banded = [person(str(year)) for year in (1980, 1981, 1982, 1983)]
    lone = [person("1990", "male")]
    result = enforce_k_anonymity(exact + banded + lone, QIS, k=4, generalize={"birth": birth_band})
    assert result.generalized == 4
    assert [r["birth"] for r in result.records] == ["1970"] * 4 + ["1980-1984"] * 4
    assert result.suppressed == lone
    assert k_anonymity(result.records, QIS, k=4).satisfied


def test_generalized_records_are_only_counted_with_each_other() -> None:
    # 1982 alone would hide in the 1980-1984 band only by counting the exact 1980 records, which
    # are published with their exact year: it must be suppressed instead.
    records = [person("1980")] * 5 + [person("1982")]
    result = enforce_k_anonymity(records, QIS, k=5, generalize={"birth": birth_band})
    assert result.suppressed == [person("1982")]
    assert result.generalized == 0


def test_any_population_comes_out_k_anonymous() -> None:
    rng = random.Random(7)
    records = [
        person(str(rng.randint(1930, 2010)), rng.choice("FM"), rng.choice(["44", "06", "64"]))
        for _ in range(2000)
    ]
    for k in (2, 5, 11):
        result = enforce_k_anonymity(records, QIS, k, generalize={"birth": birth_band})
        assert k_anonymity(result.records, QIS, k).satisfied
        assert len(result.records) + len(result.suppressed) == len(records)
        assert result.after.records == len(result.records)


def test_tally_forgets_members_of_classes_that_reach_k() -> None:
    tally = QuasiIdentifierTally(3)
    for n in range(5):
        tally.add(f"a{n}", ("1970", "F", "44"))
    tally.add("b0", ("1980", "F", "44"))
    assert tally._small == {("1980", "F", "44"): ["b0"]}
    release = tally.release()
    assert release.suppressed_ids == ["b0"]
    assert release.before.smallest_class == 1 and release.after.smallest_class == 5


def test_k_must_be_positive() -> None:
    with pytest.raises(ValueError):
        k_anonymity([], QIS, 0)


def cells(*rows: tuple[Any, ...]) -> list[dict[str, Any]]:
    return [{"state": state, "sex": sex, "count": count} for state, sex, count in rows]


def test_small_cells_are_suppressed_with_their_next_smallest_neighbour() -> None:
    table = [{"state": s, "count": n} for s, n in [("Jal", 5), ("CDMX", 50), ("NL", 80)]]
    result = suppress_small_cells(table)
    assert [row["count"] for row in result.rows] == [SUPPRESSED, SUPPRESSED, 80]
    assert (result.primary, result.complementary, result.unprotected_lines) == (1, 1, 0)
    assert table[0]["count"] == 5  # the input is not modified


def test_suppressed_cells_must_not_sum_to_a_small_count() -> None:
    # 2 and 3 are both suppressed, but the total would give away their sum, 5
    table = [
        {"state": s, "count": n} for s, n in [("Col", 2), ("Nay", 3), ("Jal", 100), ("NL", 200)]
    ]
    result = suppress_small_cells(table)
    assert [row["count"] for row in result.rows] == [SUPPRESSED, SUPPRESSED, SUPPRESSED, 200]


def test_zero_counts_are_published_and_never_complements() -> None:
    table = [{"state": s, "count": n} for s, n in [("Col", 4), ("Nay", 0), ("Jal", 40)]]
    result = suppress_small_cells(table)
    assert [row["count"] for row in result.rows] == [SUPPRESSED, 0, SUPPRESSED]


def test_cross_tabulation_protects_rows_and_columns() -> None:
    table = cells(
        ("Jal", "F", 3),
        ("Jal", "M", 40),
        ("NL", "F", 25),
        ("NL", "M", 30),
        ("Col", "F", 12),
        ("Col", "M", 14),
    )
    result = suppress_small_cells(table)
    assert_protected(result.rows, table)
    assert result.rows[0]["count"] == SUPPRESSED
    assert result.complementary >= 2  # at least one in its row and one in its column


def test_random_tables_are_always_protected() -> None:
    rng = random.Random(11)
    for _ in range(50):
        table = cells(
            *[
                (state, sex, rng.choice([0, 1, 3, 8, 12, 30, 90]))
                for state in ("Jal", "NL", "Col", "Son")
                for sex in ("F", "M", "X")
            ]
        )
        result = suppress_small_cells(table)
        if result.unprotected_lines == 0:
            assert_protected(result.rows, table)
        assert all(row["count"] in (0, SUPPRESSED) or row["count"] >= 11 for row in result.rows)


def test_a_lone_small_cell_is_reported_unprotected() -> None:
    result = suppress_small_cells([{"state": "Col", "count": 4}])
    assert result.rows == [{"state": "Col", "count": SUPPRESSED}]
    assert result.unprotected_lines == 1


def test_counts_must_be_non_negative_integers() -> None:
    with pytest.raises(ValueError, match="count"):
        suppress_small_cells([{"state": "Col", "count": -1}])
    with pytest.raises(ValueError, match="count"):
        suppress_small_cells([{"state": "Col", "count": "7"}])


def assert_protected(rows: list[dict[str, Any]], table: list[dict[str, Any]]) -> None:
    """Every row and column holding a suppressed cell holds two or more, summing to 11 or more."""
    for varying, fixed in (("sex", "state"), ("state", "sex")):
        lines: dict[str, list[int]] = {}
        for index, row in enumerate(rows):
            lines.setdefault(row[fixed], []).append(index)
        for line in lines.values():
            hidden = [i for i in line if rows[i]["count"] == SUPPRESSED]
            if hidden:
                assert len(hidden) >= 2, (varying, line)
                assert sum(table[i]["count"] for i in hidden) >= 11, (varying, line)
