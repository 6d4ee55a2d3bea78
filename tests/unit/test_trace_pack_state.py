"""The per-pack state machine: every (state, step) pair, and properties over random histories."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enlace.modules.trace.pack_state import (
    TERMINAL,
    Outcome,
    State,
    Step,
    is_dispensable,
    step_of,
    transition,
)

S, T = State, Step
# The legal moves; every other (state, step) pair must raise an alert and keep the state.
LEGAL: dict[tuple[State | None, Step], State] = {
    (None, T.COMMISSION): S.COMMISSIONED,
    **{
        (state, step): target
        for state in (S.COMMISSIONED, S.IN_TRANSIT, S.AT_LOCATION)
        for step, target in (
            (T.SHIP, S.IN_TRANSIT),
            (T.RECEIVE, S.AT_LOCATION),
            (T.DISPENSE, S.DISPENSED),
            (T.DECOMMISSION, S.DECOMMISSIONED),
            (T.DESTROY, S.DESTROYED),
            (T.STEAL, S.STOLEN),
            (T.RECALL, S.RECALLED),
            (T.EXPIRE, S.EXPIRED),
            (T.OBSERVE, state),
        )
    },
    **{
        (state, step): target
        for state in (S.RECALLED, S.EXPIRED)
        for step, target in (
            (T.SHIP, state),
            (T.RECEIVE, state),
            (T.OBSERVE, state),
            (T.DECOMMISSION, S.DECOMMISSIONED),
            (T.DESTROY, S.DESTROYED),
            (T.STEAL, S.STOLEN),
            (T.RECALL, S.RECALLED),
            (T.EXPIRE, S.EXPIRED),
        )
    },
}


@pytest.mark.parametrize(("state", "step"), list(itertools.product([None, *State], Step)))
def test_every_pair(state: State | None, step: Step) -> None:
    outcome = transition(state, step)
    if (state, step) in LEGAL:
        assert outcome == Outcome(LEGAL[state, step])
    else:
        assert outcome.alert, f"{state} + {step} was silently accepted"
        if state is not None:
            assert outcome.state is state


@pytest.mark.parametrize(
    ("state", "step", "alert"),
    [
        (S.DISPENSED, T.DISPENSE, "second-dispense"),
        (S.RECALLED, T.DISPENSE, "dispense-recalled"),
        (S.EXPIRED, T.DISPENSE, "dispense-expired"),
        (None, T.SHIP, "unknown-epc"),
        (S.AT_LOCATION, T.COMMISSION, "recommissioned"),
        (S.STOLEN, T.RECEIVE, "stolen-seen"),
        (S.DESTROYED, T.SHIP, "ship-after-destroyed"),
    ],
)
def test_named_alerts(state: State | None, step: Step, alert: str) -> None:
    assert transition(state, step).alert == alert


def test_an_unknown_pack_is_tracked_from_where_it_shows_up() -> None:
    assert transition(None, T.RECEIVE) == Outcome(S.AT_LOCATION, "unknown-epc")
    assert transition(None, T.OBSERVE).state is S.AT_LOCATION


@pytest.mark.parametrize(
    ("biz_step", "disposition", "action", "step"),
    [
        ("commissioning", "active", "ADD", T.COMMISSION),
        ("shipping", "in_transit", "OBSERVE", T.SHIP),
        ("receiving", "in_progress", "OBSERVE", T.RECEIVE),
        ("dispensing", "dispensed", "OBSERVE", T.DISPENSE),
        (None, "dispensed", "OBSERVE", T.DISPENSE),
        ("decommissioning", "inactive", "DELETE", T.DECOMMISSION),
        ("destroying", "destroyed", "OBSERVE", T.DESTROY),
        ("shipping", "stolen", "OBSERVE", T.STEAL),  # the disposition says more
        ("holding", "recalled", "OBSERVE", T.RECALL),
        ("inspecting", "expired", "OBSERVE", T.EXPIRE),
        ("inspecting", None, "OBSERVE", T.OBSERVE),
        ("packing", None, "ADD", T.OBSERVE),
        (None, "in_transit", "OBSERVE", T.SHIP),
        ("https://vocab.example.mx/bizstep/x", None, "OBSERVE", T.OBSERVE),
    ],
)
def test_step_of(biz_step: str | None, disposition: str | None, action: str, step: Step) -> None:
    assert step_of(biz_step, disposition, action) is step


@given(st.lists(st.sampled_from(list(Step)), max_size=30))
def test_random_histories(steps: list[Step]) -> None:
    state: State | None = None
    dispensed = 0
    for step in steps:
        before = state
        outcome = transition(state, step)
        if before in TERMINAL:
            assert outcome.state is before and outcome.alert  # nothing leaves a terminal state
        if outcome.alert is None:
            dispensed += outcome.state is S.DISPENSED and step is T.DISPENSE
        state = outcome.state
    assert dispensed <= 1  # a pack is dispensed at most once without an alert
    assert state is None or isinstance(state, State)


def test_dispensable_states() -> None:
    assert {s for s in State if is_dispensable(s)} == {S.COMMISSIONED, S.IN_TRANSIT, S.AT_LOCATION}
    assert not is_dispensable(None)
