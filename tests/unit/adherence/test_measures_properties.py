"""Invariants of the measures on random histories with hospital stays and deaths: every day of
the period is either covered or in a gap, PDC stays in [0, 1], discontinuation agrees with the
gaps, and the measures do not depend on the order fills arrive in."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from enlace.modules.adherence.domain import Fill, Interruption
from enlace.modules.adherence.measures import measure
from enlace.modules.adherence.therapies import assemble

START = date(2026, 1, 1)
AS_OF = START + timedelta(days=300)

fill_specs = st.lists(
    st.tuples(st.integers(0, 320), st.sampled_from([7, 30, 60, 90])), min_size=1, max_size=10
)
stay_specs = st.lists(st.tuples(st.integers(0, 300), st.integers(0, 20)), max_size=3)


def history(
    specs: list[tuple[int, int]], stays: list[tuple[int, int]]
) -> tuple[list[Fill], list[Interruption]]:
    fills = [
        Fill(f"d{n}", "p1", "m", "atc:C09AA", START + timedelta(days=day), supply, float(n))
        for n, (day, supply) in enumerate(specs)
    ]
    interruptions = [
        Interruption("p1", START + timedelta(days=s), START + timedelta(days=s + length))
        for s, length in stays
    ]
    return fills, interruptions


@settings(max_examples=150, deadline=None)
@given(fill_specs, stay_specs, st.none() | st.integers(100, 400))
def test_every_period_day_is_covered_or_in_a_gap(
    specs: list[tuple[int, int]], stays: list[tuple[int, int]], death_day: int | None
) -> None:
    fills, interruptions = history(specs, stays)
    deaths = {} if death_day is None else {"p1": START + timedelta(days=death_day)}
    therapies = assemble(fills, as_of=AS_OF, interruptions=interruptions, deaths=deaths)
    if not therapies[0].fills:
        return
    m = measure(therapies[0], as_of=AS_OF)
    assert m.days_covered + sum(gap.length for gap in m.gaps) == m.days_in_period
    assert 0 <= m.days_covered <= m.days_in_period
    if m.pdc is not None:
        assert 0.0 <= m.pdc <= 1.0
    if m.discontinued_on is not None:
        assert m.discontinued and m.persistence_days == (m.discontinued_on - m.first_fill).days
        assert m.gaps and max(gap.length for gap in m.gaps) >= 60
    assert m.persistence_days >= 0
    if m.censored_on is not None and m.censored_on <= AS_OF:
        assert m.days_supply_left == 0


@settings(max_examples=60, deadline=None)
@given(fill_specs, stay_specs, st.randoms())
def test_order_of_arrival_does_not_matter(
    specs: list[tuple[int, int]], stays: list[tuple[int, int]], rng: object
) -> None:
    fills, interruptions = history(specs, stays)
    shuffled = list(fills)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    first = assemble(fills, as_of=AS_OF, interruptions=interruptions)[0]
    second = assemble(shuffled, as_of=AS_OF, interruptions=list(reversed(interruptions)))[0]
    if first.fills:
        assert measure(first, as_of=AS_OF) == measure(second, as_of=AS_OF)
