"""Whole centavos from a FHIR Money value: exact, non-negative, finite."""

from __future__ import annotations

import pytest

from enlace.kernel.money import whole_centavos


@pytest.mark.parametrize(
    ("value", "centavos"),
    [(12.3, 1230), ("0.01", 1), (5, 500), (0, 0), ("1e2", 10000)],
)
def test_exact_amounts(value: object, centavos: int) -> None:
    assert whole_centavos(value) == centavos


@pytest.mark.parametrize("value", [-1, "0.005", None, "ten", "NaN", "Infinity", True, [1]])
def test_refused_amounts(value: object) -> None:
    assert whole_centavos(value) is None
