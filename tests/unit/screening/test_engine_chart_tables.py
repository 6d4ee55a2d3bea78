"""The transcribed WHO charts are complete and rise with every risk factor, as the printed charts
do: a mistyped cell (a digit dropped, two cells swapped) would break the rise somewhere. This is
the check the single-source non-lab chart has (docs/screening.md, "Sources")."""

from __future__ import annotations

from enlace.modules.screening.who_cvd_tables import LAB, NON_LAB

AGES = range(40, 75, 5)


def test_both_charts_are_complete() -> None:
    assert set(LAB) == {
        (dm, sex, smoker, age)
        for dm in (False, True)
        for sex in ("male", "female")
        for smoker in (False, True)
        for age in AGES
    }
    assert set(NON_LAB) == {
        (sex, smoker, age) for sex in ("male", "female") for smoker in (False, True) for age in AGES
    }
    cells = [v for grid in (*LAB.values(), *NON_LAB.values()) for row in grid for v in row]
    assert all(1 <= v <= 90 for v in cells)


def _rises(grid: tuple[tuple[int, ...], ...], higher: tuple[tuple[int, ...], ...]) -> bool:
    return all(higher[r][c] >= grid[r][c] for r in range(5) for c in range(5))


def _rises_within(grid: tuple[tuple[int, ...], ...]) -> bool:
    rows = all(grid[r + 1][c] >= grid[r][c] for r in range(4) for c in range(5))
    columns = all(grid[r][c + 1] >= grid[r][c] for r in range(5) for c in range(4))
    return rows and columns


def test_lab_chart_rises_with_sbp_cholesterol_age_smoking_and_diabetes() -> None:
    for (dm, sex, smoker, age), grid in LAB.items():
        assert _rises_within(grid)
        if age < 70:
            assert _rises(grid, LAB[(dm, sex, smoker, age + 5)])
        if not smoker:
            assert _rises(grid, LAB[(dm, sex, True, age)])
        if not dm:
            assert _rises(grid, LAB[(True, sex, smoker, age)])


def test_non_lab_chart_rises_with_sbp_bmi_age_and_smoking() -> None:
    for (sex, smoker, age), grid in NON_LAB.items():
        assert _rises_within(grid)
        if age < 70:
            assert _rises(grid, NON_LAB[(sex, smoker, age + 5)])
        if not smoker:
            assert _rises(grid, NON_LAB[(sex, True, age)])
