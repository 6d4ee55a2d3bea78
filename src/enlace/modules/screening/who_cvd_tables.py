"""Published WHO 2019 CVD risk chart values for "Central Latin America" (Mexico, Central America,
Colombia, Venezuela), 10-year risk in % of a fatal or non-fatal myocardial infarction or stroke.

WHO CVD Risk Chart Working Group, Lancet Glob Health 2019;7:e1332-45, and the WHO/HEARTS chart
booklet for the region. Read from two independent public transcriptions of the printed charts
(not copied code; provenance and cross-check in docs/screening.md, "Sources"):

- LAB (age, sex, smoking, diabetes, SBP, total cholesterol): DylanRJCollins/whoishRisk
  inst/extdata/WHO_2019_Scores.csv column CEN_LAT_AME (commit e034e896), checked cell by cell against
  Erickcufe/CardiovascularRisk data/ref1.rda (commit 5d27d784): 1398 of 1400 cells agree; the two
  that differ (men, no diabetes, non-smoker, 60-64, SBP 140-159, TC >= 7: 11 vs 12; men, diabetes,
  non-smoker, 55-59, SBP 140-159, TC 6-6.9: 13 vs 12) take the value that keeps the printed chart's
  row progression (11 and 13). The same whoishRisk file's Tropical Latin America column matches all
  1400 cells of fyuecesena/CVD_risk_Brazil CVD_risk_Brazil.R (commit a59031e).
- NON_LAB (age, sex, smoking, SBP, BMI): Erickcufe/CardiovascularRisk data/ref2.rda only: a single
  transcription, so results from it are marked unverified.

Each grid is 25 numbers: five SBP rows (< 120, 120-139, 140-159, 160-179, >= 180 mmHg) of five
columns (LAB: total cholesterol < 4, 4-4.9, 5-5.9, 6-6.9, >= 7 mmol/L; NON_LAB: BMI < 20, 20-24,
25-29, 30-34, >= 35 kg/m2). Keys give the lower bound of the 5-year age group (40 = 40-44 ... 70 = 70-74).
"""

from __future__ import annotations

# (diabetes, sex, smoker, age group) -> grid
_LAB: dict[tuple[bool, str, bool, int], str] = {
    (False, "male", False, 40): "1 1 1 2 2 1 2 2 2 3 2 2 3 3 4 3 3 4 4 5 4 4 5 6 7",
    (False, "male", False, 45): "1 2 2 2 3 2 2 3 3 4 3 3 4 4 5 4 4 5 6 7 5 6 7 8 9",
    (False, "male", False, 50): "2 2 3 3 4 3 3 4 4 5 4 4 5 6 7 5 6 6 7 9 7 7 8 10 11",
    (False, "male", False, 55): "3 3 4 4 5 4 4 5 6 7 5 6 6 7 9 6 7 8 10 11 8 9 11 12 14",
    (False, "male", False, 60): "4 5 5 6 7 5 6 7 8 9 7 8 9 10 11 9 10 11 12 14 11 12 14 16 18",
    (False, "male", False, 65): "6 7 7 8 9 7 8 9 10 12 9 10 11 13 15 11 13 14 16 18 14 16 18 20 22",
    (
        False,
        "male",
        False,
        70,
    ): "8 9 10 11 13 10 11 12 14 16 12 14 15 17 19 15 17 18 21 23 18 20 22 25 27",
    (False, "male", True, 40): "2 2 3 3 4 3 3 4 5 6 4 4 5 6 8 5 6 7 9 10 7 8 10 12 14",
    (False, "male", True, 45): "3 3 4 4 5 4 4 5 6 7 5 6 7 8 9 6 7 9 10 12 9 10 12 14 17",
    (False, "male", True, 50): "3 4 5 6 7 5 5 6 7 9 6 7 8 10 11 8 9 11 13 15 11 12 14 16 19",
    (False, "male", True, 55): "5 5 6 7 8 6 7 8 9 11 8 9 10 12 14 10 11 13 15 18 13 15 17 19 22",
    (
        False,
        "male",
        True,
        60,
    ): "6 7 8 9 11 8 9 10 12 13 10 11 13 15 17 13 14 16 18 21 16 18 20 23 26",
    (
        False,
        "male",
        True,
        65,
    ): "8 9 10 12 13 10 11 13 14 16 13 14 16 18 20 16 17 19 22 25 19 21 24 27 30",
    (
        False,
        "male",
        True,
        70,
    ): "11 12 13 15 17 13 14 16 18 20 16 18 20 22 24 19 21 24 26 29 23 26 28 31 35",
    (False, "female", False, 40): "1 1 1 1 1 1 1 1 2 2 2 2 2 2 2 2 2 3 3 3 3 3 3 4 4",
    (False, "female", False, 45): "1 1 2 2 2 2 2 2 2 2 2 2 3 3 3 3 3 3 4 4 4 4 4 5 5",
    (False, "female", False, 50): "2 2 2 2 3 2 2 3 3 3 3 3 3 4 4 4 4 4 5 5 5 5 6 6 7",
    (False, "female", False, 55): "3 3 3 3 4 3 3 4 4 4 4 4 5 5 6 5 5 6 6 7 6 7 7 8 9",
    (False, "female", False, 60): "4 4 4 4 5 4 5 5 6 6 5 6 6 7 7 7 7 8 8 9 8 9 10 10 11",
    (False, "female", False, 65): "5 5 6 6 7 6 7 7 7 8 7 8 8 9 10 9 10 10 11 12 11 12 12 13 14",
    (
        False,
        "female",
        False,
        70,
    ): "7 8 8 8 9 9 9 10 10 11 10 11 11 12 13 12 13 13 14 15 14 15 16 17 18",
    (False, "female", True, 40): "2 2 3 3 3 3 3 3 4 5 4 4 5 5 6 5 5 6 7 8 6 7 8 9 10",
    (False, "female", True, 45): "3 3 3 4 4 3 4 4 5 6 5 5 6 6 7 6 7 7 8 9 8 8 9 11 12",
    (False, "female", True, 50): "4 4 4 5 5 4 5 5 6 7 6 6 7 8 9 7 8 9 10 11 9 10 11 12 14",
    (False, "female", True, 55): "5 5 6 6 7 6 6 7 8 8 7 8 9 10 10 9 10 11 12 13 11 12 13 15 16",
    (False, "female", True, 60): "6 7 7 8 8 7 8 9 9 10 9 10 11 12 13 11 12 13 14 15 14 15 16 17 19",
    (
        False,
        "female",
        True,
        65,
    ): "8 8 9 10 10 10 10 11 12 13 12 12 13 14 15 14 15 16 17 18 17 18 19 20 22",
    (
        False,
        "female",
        True,
        70,
    ): "10 11 11 12 13 12 13 14 14 15 14 15 16 17 18 17 18 19 20 21 20 21 22 24 25",
    (True, "male", False, 40): "2 2 3 4 4 3 3 4 5 6 4 5 6 7 8 6 7 8 9 11 8 9 10 12 15",
    (True, "male", False, 45): "3 3 4 5 6 4 4 5 6 7 5 6 7 8 10 7 8 9 11 13 10 11 12 15 17",
    (True, "male", False, 50): "4 4 5 6 7 5 6 7 8 9 7 8 9 10 12 9 10 11 13 16 12 13 15 17 20",
    (True, "male", False, 55): "5 6 7 8 9 6 7 8 10 12 8 9 11 13 15 11 12 14 16 19 14 16 18 21 24",
    (
        True,
        "male",
        False,
        60,
    ): "7 7 9 10 11 8 9 11 12 14 11 12 14 16 18 13 15 17 20 22 17 19 22 24 28",
    (
        True,
        "male",
        False,
        65,
    ): "9 10 11 13 14 11 12 14 16 18 13 15 17 19 22 17 19 21 24 27 21 23 26 29 32",
    (
        True,
        "male",
        False,
        70,
    ): "12 13 14 16 18 14 16 18 20 22 17 19 21 24 26 21 23 26 28 32 25 28 31 34 38",
    (True, "male", True, 40): "4 5 6 7 9 6 7 8 10 12 8 9 11 13 16 11 12 15 18 21 15 17 20 23 28",
    (True, "male", True, 45): "5 6 7 9 11 7 8 10 11 14 9 11 13 15 18 12 14 17 20 24 16 19 22 26 31",
    (
        True,
        "male",
        True,
        50,
    ): "6 7 9 10 12 8 10 11 13 16 11 13 15 17 21 14 17 19 23 27 19 21 25 29 34",
    (
        True,
        "male",
        True,
        55,
    ): "8 9 11 12 15 10 12 14 16 19 13 15 17 20 24 17 19 22 25 30 21 24 28 32 37",
    (
        True,
        "male",
        True,
        60,
    ): "10 11 13 15 17 12 14 16 19 21 16 18 20 23 27 19 22 25 29 33 24 27 31 35 40",
    (
        True,
        "male",
        True,
        65,
    ): "12 14 15 18 20 15 17 19 22 25 18 21 23 26 30 23 25 29 32 36 28 31 35 39 43",
    (
        True,
        "male",
        True,
        70,
    ): "15 17 19 21 24 18 20 23 25 28 22 24 27 30 34 26 29 32 36 40 32 35 38 42 47",
    (True, "female", False, 40): "2 2 3 3 3 3 3 3 4 4 4 4 4 5 6 5 5 6 7 8 6 7 8 9 10",
    (True, "female", False, 45): "3 3 3 4 4 3 4 4 5 5 5 5 6 6 7 6 7 7 8 9 8 8 9 10 12",
    (True, "female", False, 50): "4 4 4 5 5 5 5 6 6 7 6 6 7 8 9 7 8 9 10 11 9 10 11 13 14",
    (True, "female", False, 55): "5 5 6 6 7 6 6 7 8 9 7 8 9 10 11 9 10 11 12 13 12 13 14 15 16",
    (
        True,
        "female",
        False,
        60,
    ): "6 7 7 8 9 8 8 9 10 11 10 10 11 12 13 12 13 14 15 16 14 15 17 18 19",
    (
        True,
        "female",
        False,
        65,
    ): "8 9 10 10 11 10 11 12 12 13 12 13 14 15 16 15 16 17 18 19 18 19 20 21 23",
    (
        True,
        "female",
        False,
        70,
    ): "11 12 12 13 14 13 14 15 16 16 16 16 17 18 20 18 19 21 22 23 22 23 24 26 27",
    (True, "female", True, 40): "5 5 6 7 9 6 7 8 10 11 8 9 11 12 14 11 12 14 16 19 14 16 18 21 24",
    (
        True,
        "female",
        True,
        45,
    ): "6 7 8 9 10 8 9 10 11 13 10 11 12 14 16 13 14 16 18 20 16 18 20 23 26",
    (
        True,
        "female",
        True,
        50,
    ): "7 8 9 10 11 9 10 11 13 14 12 13 14 16 18 15 16 18 20 22 18 20 22 25 28",
    (
        True,
        "female",
        True,
        55,
    ): "9 10 11 12 13 11 12 13 15 16 14 15 16 18 20 17 18 20 22 25 21 23 25 27 30",
    (
        True,
        "female",
        True,
        60,
    ): "11 12 13 14 15 13 14 15 17 18 16 17 19 20 22 19 21 23 25 27 24 25 27 30 32",
    (
        True,
        "female",
        True,
        65,
    ): "13 14 15 16 17 16 17 18 19 21 19 20 21 23 25 22 24 26 27 29 27 28 30 32 35",
    (
        True,
        "female",
        True,
        70,
    ): "16 17 18 19 20 19 20 21 22 23 22 23 24 26 28 26 27 29 30 32 30 32 33 35 37",
}

# (sex, smoker, age group) -> grid
_NON_LAB: dict[tuple[str, bool, int], str] = {
    ("male", False, 40): "1 1 1 2 2 1 2 2 2 3 2 2 3 3 4 3 3 4 4 5 4 5 5 6 8",
    ("male", False, 45): "1 2 2 2 3 2 2 3 3 4 3 3 4 4 5 4 4 5 6 7 5 6 7 8 9",
    ("male", False, 50): "2 2 3 3 3 3 3 3 4 5 4 4 5 5 6 5 6 6 7 9 7 8 9 10 12",
    ("male", False, 55): "3 3 4 4 5 4 4 5 5 6 5 6 6 7 8 7 7 8 10 11 9 10 11 13 14",
    ("male", False, 60): "4 5 5 6 6 5 6 7 7 8 7 8 9 10 11 9 10 11 12 14 11 13 14 16 18",
    ("male", False, 65): "6 7 7 8 9 8 8 9 10 11 10 10 11 13 14 12 13 14 16 17 15 16 18 20 22",
    ("male", False, 70): "9 9 10 11 12 11 12 12 13 14 13 14 15 16 18 16 17 19 20 22 20 21 23 25 26",
    ("male", True, 40): "2 2 3 3 4 3 3 4 5 6 4 5 6 7 8 5 7 8 10 12 8 9 11 13 16",
    ("male", True, 45): "3 3 4 4 5 4 4 5 6 7 5 6 7 8 10 7 8 10 11 14 9 11 13 15 18",
    ("male", True, 50): "3 4 5 6 7 5 5 6 7 9 6 7 9 10 12 9 10 12 13 16 12 13 15 18 21",
    ("male", True, 55): "5 5 6 7 8 6 7 8 9 11 8 9 11 12 14 11 12 14 16 18 14 16 18 21 24",
    ("male", True, 60): "6 7 8 9 10 8 9 10 12 13 11 12 13 15 17 14 15 17 19 21 17 19 22 24 27",
    ("male", True, 65): "9 9 10 11 13 11 12 13 14 16 14 15 16 18 20 17 19 20 22 25 21 23 25 28 30",
    (
        "male",
        True,
        70,
    ): "11 12 13 14 16 14 15 16 18 19 17 19 20 22 23 21 23 24 26 28 26 28 30 32 34",
    ("female", False, 40): "1 1 1 1 1 1 1 2 2 2 2 2 2 2 2 3 3 3 3 3 4 4 4 4 4",
    ("female", False, 45): "1 1 2 2 2 2 2 2 2 2 2 3 3 3 3 3 4 4 4 4 5 5 5 5 6",
    ("female", False, 50): "2 2 2 2 2 3 3 3 3 3 3 4 4 4 4 4 5 5 5 6 6 6 6 7 7",
    ("female", False, 55): "3 3 3 3 3 4 4 4 4 4 5 5 5 5 6 6 6 6 7 7 7 8 8 9 9",
    ("female", False, 60): "4 4 4 5 5 5 5 5 6 6 6 6 7 7 7 8 8 8 9 9 10 10 11 11 12",
    ("female", False, 65): "6 6 6 6 7 7 7 7 8 8 8 9 9 10 10 10 11 11 12 12 13 13 14 14 15",
    ("female", False, 70): "8 8 8 9 9 9 10 10 11 11 11 12 12 13 13 14 14 15 15 16 16 17 18 18 19",
    ("female", True, 40): "2 3 3 3 3 3 3 4 4 5 4 5 5 6 6 6 7 7 8 8 8 9 10 10 11",
    ("female", True, 45): "3 3 4 4 4 4 4 5 5 5 6 6 6 7 7 7 8 9 9 10 10 11 11 12 13",
    ("female", True, 50): "4 4 5 5 5 5 6 6 6 7 7 7 8 8 9 9 10 10 11 12 12 13 13 14 15",
    ("female", True, 55): "5 6 6 6 7 7 7 8 8 9 9 9 10 10 11 11 12 12 13 14 14 15 16 17 18",
    ("female", True, 60): "7 7 8 8 9 9 9 10 10 11 11 11 12 13 13 13 14 15 16 17 17 17 18 19 21",
    (
        "female",
        True,
        65,
    ): "9 9 10 10 11 11 11 12 13 13 13 14 15 15 16 16 17 18 19 20 20 21 22 23 24",
    (
        "female",
        True,
        70,
    ): "11 12 12 13 13 14 14 15 16 16 16 17 18 19 19 20 20 21 22 23 23 24 25 26 27",
}


def _grid(text: str) -> tuple[tuple[int, ...], ...]:
    values = [int(v) for v in text.split()]
    assert len(values) == 25
    return tuple(tuple(values[row * 5 : row * 5 + 5]) for row in range(5))


LAB: dict[tuple[bool, str, bool, int], tuple[tuple[int, ...], ...]] = {
    key: _grid(text) for key, text in _LAB.items()
}
NON_LAB: dict[tuple[str, bool, int], tuple[tuple[int, ...], ...]] = {
    key: _grid(text) for key, text in _NON_LAB.items()
}
LAB_VERIFIED = True
NON_LAB_VERIFIED = False
