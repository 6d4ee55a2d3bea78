"""UCUM canonical units: exact Decimal conversions for the units common in chronic care."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from enlace.search.ucum import CanonicalUnit, canonical_unit, canonicalize

D = Decimal


@pytest.mark.parametrize(
    ("value", "code", "expected"),
    [
        # mass
        ("1", "kg", (D("1000"), "g")),
        ("1", "g", (D("1"), "g")),
        ("250", "mg", (D("0.250"), "g")),
        ("5", "ug", (D("0.000005"), "g")),
        ("3", "ng", (D("3E-9"), "g")),
        ("2", "[lb_av]", (D("907.18474"), "g")),
        # volume
        ("2", "L", (D("2"), "L")),
        ("1", "dL", (D("0.1"), "L")),
        ("500", "mL", (D("0.500"), "L")),
        ("90", "fL", (D("9.0E-14"), "L")),
        # mass and substance concentrations, never converted into each other
        ("1", "mg/dL", (D("0.01"), "g/L")),
        ("5.4", "mg/dL", (D("0.054"), "g/L")),
        ("54", "mg/L", (D("0.054"), "g/L")),
        ("13.5", "g/dL", (D("135"), "g/L")),
        ("2", "g/L", (D("2"), "g/L")),
        ("5.5", "mmol/L", (D("0.0055"), "mol/L")),
        ("80", "umol/L", (D("0.000080"), "mol/L")),
        ("4.5", "10*3/uL", (D("4.5E9"), "/L")),
        ("4.5", "10*9/L", (D("4.5E9"), "/L")),
        # length
        ("1.8", "m", (D("1.8"), "m")),
        ("180", "cm", (D("1.80"), "m")),
        ("12", "mm", (D("0.012"), "m")),
        ("70", "[in_i]", (D("1.7780"), "m")),
        # pressure: mm[Hg] is its own base; Pa takes prefixes
        ("120", "mm[Hg]", (D("120"), "mm[Hg]")),
        ("5", "kPa", (D("5000"), "Pa")),
        ("7", "%", (D("7"), "%")),
        # time
        ("30", "s", (D("30"), "s")),
        ("2", "min", (D("120"), "s")),
        ("1", "h", (D("3600"), "s")),
        ("1", "d", (D("86400"), "s")),
        ("1", "wk", (D("604800"), "s")),
        ("1", "mo", (D("2629800"), "s")),
        ("1", "a", (D("31557600"), "s")),
        # rates, body mass index, annotations
        ("72", "/min", (D("1.2"), "/s")),
        ("72", "{beats}/min", (D("1.2"), "/s")),
        ("16", "{breaths}/min", (D("0.2666666666666666666666666667"), "/s")),
        ("90", "mL/min/{1.73_m2}", (D("0.0015"), "L/s")),
        ("25", "kg/m2", (D("25000"), "g/m2")),
        ("3", "{score}", (D("3"), "1")),
        ("2", "m-2", (D("2"), "/m2")),
        ("6", "mmol/mol", (D("0.006"), "1")),
        # temperature, with offsets
        ("37", "Cel", (D("37"), "Cel")),
        ("98.6", "[degF]", (D("37.0"), "Cel")),
        ("32", "[degF]", (D("0"), "Cel")),
        ("310.15", "K", (D("37.00"), "Cel")),
    ],
)
def test_canonicalize(value: str, code: str, expected: tuple[Decimal, str]) -> None:
    result = canonicalize(D(value), code)
    assert result == expected
    assert result is not None and isinstance(result[0], Decimal)


@pytest.mark.parametrize(
    "code",
    [None, "", "xyz", "mg/(dL)", "mcg", "µg", "mg//dL", "Cel/h", "m0", "[foo]", "k", "mg dL"],
)
def test_unknown_units(code: str | None) -> None:
    assert canonicalize(D("1"), code) is None


def test_mg_per_dl_factor_is_exactly_one_hundredth() -> None:
    assert canonical_unit("mg/dL") == CanonicalUnit(Fraction(1, 100), "g/L")
    value = canonicalize(D("1"), "mg/dL")
    assert value is not None and value[0] == D("0.01") and str(value[0]) == "0.01"


def test_equivalent_concentrations_meet() -> None:
    assert canonicalize(D("5.4"), "mg/dL") == canonicalize(D("54"), "mg/L")
    assert canonicalize(D("1"), "g/L") == canonicalize(D("100"), "mg/dL")
    assert canonicalize(D("1"), "mg/dL") != canonicalize(D("1"), "mmol/L")
