"""Small-cell suppression: primary (< 11) and complementary (a lone suppressed cell of a
breakdown cannot be recovered by subtraction from the total)."""

from __future__ import annotations

from enlace.modules.analytics import indicators
from enlace.modules.analytics.indicators.suppression import COMPLEMENTARY, PRIMARY, suppress
from tests.unit.analytics.indicator_population import Population


def _cell(unit: str, num: float, den: float) -> indicators.Cell:
    value = round(100 * num / den, 2) if den else None
    return indicators.Cell("x", "2026-09", "clinic", unit, unit, num, den, value)


def _shown(cells: list[indicators.Cell]) -> dict[str, tuple[float | None, float | None]]:
    return {c.unit: (c.numerator, c.denominator) for c in cells}


def test_numerator_or_denominator_under_eleven_is_hidden() -> None:
    out = suppress([_cell("a", 10, 50), _cell("b", 30, 40), _cell("c", 3, 30),
                    _cell("d", 20, 30)])  # fmt: skip
    assert _shown(out) == {"a": (None, None), "b": (30, 40), "c": (None, None), "d": (20, 30)}
    hidden = out[0]
    assert hidden.value is None and hidden.suppressed and hidden.reason == PRIMARY


def test_eleven_is_shown_and_zero_counts_as_small() -> None:
    out = suppress([_cell("a", 11, 11), _cell("b", 0, 40), _cell("c", 5, 40), _cell("d", 9, 9)])
    assert _shown(out)["a"] == (11, 11)
    assert out[1].reason == PRIMARY  # 0 < 11: a zero numerator is a small cell too


def test_a_lone_suppressed_cell_takes_the_smallest_sibling_with_it() -> None:
    # total 5 + 30 + 60 = 95 is published: hiding only "a" would leave 95 - 30 - 60 = 5
    out = suppress([_cell("a", 5, 20), _cell("b", 30, 45), _cell("c", 60, 90)])
    assert _shown(out) == {"a": (None, None), "b": (None, None), "c": (60, 90)}
    assert out[1].reason == COMPLEMENTARY and out[1].value is None


def test_two_suppressed_cells_need_no_complement() -> None:
    out = suppress([_cell("a", 5, 20), _cell("b", 3, 45), _cell("c", 60, 90)])
    assert _shown(out)["c"] == (60, 90)


def test_empty_cells_reveal_nothing_and_do_not_count() -> None:
    empty = indicators.Cell("x", "2026-09", "clinic", "e", "e", 0, 0, None, "not computable")
    out = suppress([_cell("a", 5, 20), empty, _cell("c", 60, 90)])
    # "e" is not a complement (nothing to hide there); "c" must be
    assert out[1] == empty
    assert out[2].reason == COMPLEMENTARY


def test_compute_without_identity_rights_suppresses_hand_made_clinics() -> None:
    pop = Population()
    pop.organization("inst", "IMSS")
    for clinic, controlled, total in (("c1", 4, 20), ("c2", 15, 25), ("c3", 30, 40)):
        pop.organization(clinic, clinic, "inst", "14")
        for i in range(total):
            pid = f"{clinic}-{i}"
            pop.patient(pid, clinic)
            pop.condition(pid, "E11")
            pop.observation(pid, "4548-4", 6.0 if i < controlled else 8.0, "2026-09-01")
    lt7 = [indicators.BY_ID["dm2_hba1c_lt7"]]
    period = indicators.parse_period("2026-09")
    open_cells = indicators.compute_on(pop.con, lt7, period, "clinic", identities=True)
    assert _shown(open_cells) == {"c1": (4, 20), "c2": (15, 25), "c3": (30, 40)}
    hidden = indicators.compute_on(pop.con, lt7, period, "clinic", identities=False)
    # c1's 4 is primary; c2 (the smaller of the others) is its complement
    assert _shown(hidden) == {"c1": (None, None), "c2": (None, None), "c3": (30, 40)}
    national = indicators.compute_on(pop.con, lt7, period, "national", identities=False)
    assert _shown(national) == {"MX": (49, 85)}
