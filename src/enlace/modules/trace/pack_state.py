"""A serialized pack's life as a pure state machine: which step an event is, and what it may do.

    (never seen) ─commission→ commissioned ─ship→ in_transit ─receive→ at_location ─dispense→ dispensed
                                   │              ↑    │           │
                                   └──────────────┴────┴───────────┴→ decommissioned / destroyed /
                                                                      stolen / recalled / expired

An event becomes a `Step` (`step_of`: its bizStep, disposition and action). `transition` says
what the step does from a state: the new state, or the same state and an alert code when the
step is illegal there. Nothing is silently accepted: every illegal step names why.
Terminal states (dispensed, decommissioned, destroyed) accept nothing further; a recalled or
expired pack may still move back up the chain or be destroyed, but never be dispensed; a stolen
pack that shows up again is an alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    COMMISSIONED = "commissioned"
    IN_TRANSIT = "in_transit"
    AT_LOCATION = "at_location"
    DISPENSED = "dispensed"
    DECOMMISSIONED = "decommissioned"
    RECALLED = "recalled"
    EXPIRED = "expired"
    DESTROYED = "destroyed"
    STOLEN = "stolen"


class Step(StrEnum):
    COMMISSION = "commission"
    SHIP = "ship"
    RECEIVE = "receive"
    DISPENSE = "dispense"
    DECOMMISSION = "decommission"
    DESTROY = "destroy"
    STEAL = "steal"  # reported stolen
    RECALL = "recall"
    EXPIRE = "expire"
    OBSERVE = "observe"  # seen (inspecting, packing, storing...): location only


TERMINAL = frozenset((State.DISPENSED, State.DECOMMISSIONED, State.DESTROYED))
_BY_DISPOSITION = {
    "in_transit": Step.SHIP,
    "dispensed": Step.DISPENSE,
    "partially_dispensed": Step.DISPENSE,
    "retail_sold": Step.DISPENSE,
    "destroyed": Step.DESTROY,
    "disposed": Step.DESTROY,
    "stolen": Step.STEAL,
    "recalled": Step.RECALL,
    "expired": Step.EXPIRE,
    "inactive": Step.DECOMMISSION,
}
_BY_BIZ_STEP = {
    "commissioning": Step.COMMISSION,
    "shipping": Step.SHIP,
    "departing": Step.SHIP,
    "receiving": Step.RECEIVE,
    "arriving": Step.RECEIVE,
    "accepting": Step.RECEIVE,
    "dispensing": Step.DISPENSE,
    "retail_selling": Step.DISPENSE,
    "decommissioning": Step.DECOMMISSION,
    "destroying": Step.DESTROY,
    "killing": Step.DECOMMISSION,
}
_MOVING = frozenset((Step.SHIP, Step.RECEIVE, Step.OBSERVE))
_TO = {
    Step.COMMISSION: State.COMMISSIONED,
    Step.SHIP: State.IN_TRANSIT,
    Step.RECEIVE: State.AT_LOCATION,
    Step.DISPENSE: State.DISPENSED,
    Step.DECOMMISSION: State.DECOMMISSIONED,
    Step.DESTROY: State.DESTROYED,
    Step.STEAL: State.STOLEN,
    Step.RECALL: State.RECALLED,
    Step.EXPIRE: State.EXPIRED,
}


def step_of(biz_step: str | None, disposition: str | None, action: str | None) -> Step:
    """The step an event is. The disposition wins over the bizStep when it says more (a
    `shipping` with disposition `stolen` is a theft); an ObjectEvent DELETE decommissions."""
    by_disposition = _BY_DISPOSITION.get(disposition or "")
    if by_disposition is not None and by_disposition not in (Step.SHIP,):
        return by_disposition
    if action == "DELETE":
        return Step.DECOMMISSION
    by_step = _BY_BIZ_STEP.get(biz_step or "")
    if by_step is not None:
        return by_step
    return by_disposition or Step.OBSERVE


@dataclass(frozen=True, slots=True)
class Outcome:
    state: State | None  # None: still never seen (only for an illegal step on an unknown pack)
    alert: str | None = None  # the alert code when the step is illegal here


def transition(state: State | None, step: Step) -> Outcome:
    """What `step` does to a pack in `state` (None: never commissioned)."""
    if state is None:
        if step is Step.COMMISSION:
            return Outcome(State.COMMISSIONED)
        # Counterfeit or a gap in the data: track it from here, flagged.
        return Outcome(_TO.get(step, State.AT_LOCATION), "unknown-epc")
    if step is Step.COMMISSION:
        return Outcome(state, "recommissioned")
    if state in TERMINAL:
        return Outcome(state, _after_terminal(state, step))
    if state is State.STOLEN:
        return Outcome(state, "stolen-seen")
    if step is Step.DISPENSE and state in (State.RECALLED, State.EXPIRED):
        return Outcome(state, f"dispense-{state.value}")
    if state in (State.RECALLED, State.EXPIRED) and step in _MOVING:
        return Outcome(state)  # returned up the chain: stays recalled / expired
    if step is Step.OBSERVE:
        return Outcome(state)
    return Outcome(_TO[step])


def _after_terminal(state: State, step: Step) -> str:
    if state is State.DISPENSED and step is Step.DISPENSE:
        return "second-dispense"  # a clone, or a pack diverted and sold twice
    return f"{step.value}-after-{state.value}"


def is_dispensable(state: State | None) -> bool:
    return state in (State.COMMISSIONED, State.IN_TRANSIT, State.AT_LOCATION)
