"""Canonical UCUM units for quantity search: `5.4 mg/dL` and `54 mg/L` both become `0.054 g/L`.

This is a small UCUM subset, not a full implementation: the units common in chronic care. A code is
parsed as UCUM writes it (components joined by `.` and `/`, left to right, each an atom with an
optional metric prefix and an integer exponent, or an integer factor such as `10*3`); annotations
`{...}` are dropped (a lone annotation is the unit `1`). Each atom has an exact factor to a base unit
(`fractions.Fraction`), and the canonical code is written from the base units and their exponents:
`g/L`, `mol/L`, `g/m2`, `/s`, `L/s`, `/L`.

Choices (deliberate, so index and query agree):
- base units: g, m, s, mol, L (litre is its own base, not dm3), eq, U, [IU], Pa, and the
  non-converting bases mm[Hg], cm[H2O], %, [pH], [HPF], [LPF]; mass and substance never convert;
- % stays `%` (not 0.01 of `1`), so a percentage never matches a unitless score;
- time: min 60 s, h, d, wk, mo (mean Julian month, a/12), a (Julian year, 365.25 d);
- temperature: Cel is the base; [degF] and K are converted with their offset, and only on their own
  (a temperature inside a compound unit is unknown).

Unknown atoms, parentheses, and anything unparsable give None: such quantities are indexed and
searched by their own code only.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple

UCUM_SYSTEM = "http://unitsofmeasure.org"


class _Atom(NamedTuple):
    factor: Fraction
    base: tuple[tuple[str, int], ...]
    metric: bool


def _atom(factor: Fraction | int | str, metric: bool, *base: tuple[str, int]) -> _Atom:
    return _Atom(Fraction(factor), tuple(base), metric)


_YEAR_S = Fraction(36525 * 86400, 100)  # a = 365.25 d
_ATOMS: dict[str, _Atom] = {
    # mass, length, volume, substance
    "g": _atom(1, True, ("g", 1)),
    "m": _atom(1, True, ("m", 1)),
    "L": _atom(1, True, ("L", 1)),
    "l": _atom(1, True, ("L", 1)),
    "mol": _atom(1, True, ("mol", 1)),
    "eq": _atom(1, True, ("eq", 1)),
    "U": _atom(1, True, ("U", 1)),
    "[IU]": _atom(1, True, ("[IU]", 1)),
    "[iU]": _atom(1, True, ("[IU]", 1)),
    "kat": _atom(1, True, ("mol", 1), ("s", -1)),
    "Pa": _atom(1, True, ("Pa", 1)),
    "[in_i]": _atom("0.0254", False, ("m", 1)),
    "[ft_i]": _atom("0.3048", False, ("m", 1)),
    "[lb_av]": _atom("453.59237", False, ("g", 1)),
    "[oz_av]": _atom("28.349523125", False, ("g", 1)),
    # time and frequency
    "s": _atom(1, True, ("s", 1)),
    "min": _atom(60, False, ("s", 1)),
    "h": _atom(3600, False, ("s", 1)),
    "d": _atom(86400, False, ("s", 1)),
    "wk": _atom(7 * 86400, False, ("s", 1)),
    "mo": _atom(_YEAR_S / 12, False, ("s", 1)),
    "mo_j": _atom(_YEAR_S / 12, False, ("s", 1)),
    "a": _atom(_YEAR_S, False, ("s", 1)),
    "a_j": _atom(_YEAR_S, False, ("s", 1)),
    "Hz": _atom(1, True, ("s", -1)),
    # units kept as their own base
    "mm[Hg]": _atom(1, False, ("mm[Hg]", 1)),
    "cm[H2O]": _atom(1, False, ("cm[H2O]", 1)),
    "%": _atom(1, False, ("%", 1)),
    "[pH]": _atom(1, False, ("[pH]", 1)),
    "[HPF]": _atom(1, False, ("[HPF]", 1)),
    "[LPF]": _atom(1, False, ("[LPF]", 1)),
}
_BASE_ORDER = [
    "g",
    "mol",
    "eq",
    "U",
    "[IU]",
    "Pa",
    "mm[Hg]",
    "cm[H2O]",
    "%",
    "[pH]",
    "m",
    "L",
    "s",
    "[HPF]",
    "[LPF]",
]
_PREFIXES: dict[str, Fraction] = {
    "da": Fraction(10),
    "Y": Fraction(10**24),
    "Z": Fraction(10**21),
    "E": Fraction(10**18),
    "P": Fraction(10**15),
    "T": Fraction(10**12),
    "G": Fraction(10**9),
    "M": Fraction(10**6),
    "k": Fraction(10**3),
    "h": Fraction(10**2),
    "d": Fraction(1, 10),
    "c": Fraction(1, 10**2),
    "m": Fraction(1, 10**3),
    "u": Fraction(1, 10**6),
    "n": Fraction(1, 10**9),
    "p": Fraction(1, 10**12),
    "f": Fraction(1, 10**15),
    "a": Fraction(1, 10**18),
    "z": Fraction(1, 10**21),
    "y": Fraction(1, 10**24),
}
_ANNOTATION = re.compile(r"\{[^{}]*\}")
_COMPONENT = re.compile(r"^(?P<atom>.*?)(?P<exp>[+-]?\d+)?$")
_POWER_OF_TEN = re.compile(r"^10[*^]([+-]?\d+)$")


class CanonicalUnit(NamedTuple):
    """A unit's conversion: canonical value = value * factor (exact)."""

    factor: Fraction
    code: str


@lru_cache(maxsize=4096)
def canonical_unit(code: str) -> CanonicalUnit | None:
    """The exact factor and canonical code of a (non-temperature) UCUM code, or None if unknown.
    Cached: a store sees few distinct units, and every quantity written is canonicalized."""
    had_annotation = "{" in code
    text = _ANNOTATION.sub("", code)
    if not text and had_annotation:
        return CanonicalUnit(Fraction(1), "1")
    if not text or any(c in text for c in "(){} "):
        return None
    factor = Fraction(1)
    exponents: dict[str, int] = {}
    parts = re.split(r"([./])", text)
    # parts alternate component, operator, component...; the first may be empty before "/".
    for index in range(0, len(parts), 2):
        component = parts[index]
        sign = -1 if index > 0 and parts[index - 1] == "/" else 1
        if not component:
            leading_division = index == 0 and len(parts) > 1 and parts[1] == "/"
            if leading_division or had_annotation:
                continue
            return None
        resolved = _component(component)
        if resolved is None:
            return None
        component_factor, base = resolved
        factor *= component_factor**sign
        for name, power in base:
            exponents[name] = exponents.get(name, 0) + power * sign
    return CanonicalUnit(factor, _render(exponents))


def canonicalize(value: Decimal, code: str | None) -> tuple[Decimal, str] | None:
    """`(value in canonical units, canonical code)` for a UCUM code, or None for unknown units."""
    if code is None:
        return None
    temperature = _temperature(value, code)
    if temperature is not None:
        return temperature
    unit = canonical_unit(code)
    if unit is None:
        return None
    converted = value * Decimal(unit.factor.numerator)
    if unit.factor.denominator != 1:
        converted /= Decimal(unit.factor.denominator)
    return converted, unit.code


def _temperature(value: Decimal, code: str) -> tuple[Decimal, str] | None:
    if code == "Cel":
        return value, "Cel"
    if code == "[degF]":
        return (value - 32) * 5 / 9, "Cel"
    if code == "K":
        return value - Decimal("273.15"), "Cel"
    return None


def _component(text: str) -> tuple[Fraction, tuple[tuple[str, int], ...]] | None:
    if text.isascii() and text.isdigit():
        return Fraction(int(text)), ()
    power = _POWER_OF_TEN.match(text)
    if power:
        return Fraction(10) ** int(power[1]), ()
    match = _COMPONENT.match(text)
    if match is None or not match["atom"]:
        return None
    exponent = int(match["exp"]) if match["exp"] else 1
    atom = _resolve(match["atom"])
    if atom is None or exponent == 0:
        return None
    factor, base = atom
    return factor**exponent, tuple((name, power * exponent) for name, power in base)


def _resolve(name: str) -> tuple[Fraction, tuple[tuple[str, int], ...]] | None:
    atom = _ATOMS.get(name)
    if atom is not None:
        return atom.factor, atom.base
    for prefix, scale in _PREFIXES.items():
        rest = name[len(prefix) :]
        if name.startswith(prefix) and rest in _ATOMS and _ATOMS[rest].metric:
            atom = _ATOMS[rest]
            return atom.factor * scale, atom.base
    return None


def _render(exponents: dict[str, int]) -> str:
    def term(name: str, power: int) -> str:
        return name if power == 1 else f"{name}{power}"

    ordered = [(name, exponents[name]) for name in _BASE_ORDER if exponents.get(name)]
    numerator = ".".join(term(name, power) for name, power in ordered if power > 0)
    denominator = "".join("/" + term(name, -power) for name, power in ordered if power < 0)
    if not numerator and not denominator:
        return "1"
    return numerator + denominator
