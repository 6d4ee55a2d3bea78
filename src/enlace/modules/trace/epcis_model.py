"""What capture needs from one validated EPCIS event, and the refusal type of EPCIS input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from enlace.modules.trace.errors import TraceError

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransformationEvent", "TransactionEvent")
# EPC roles in an event, as stored in trace_epcis_event_epcs.role.
ROLE_EPC, ROLE_PARENT, ROLE_CHILD, ROLE_INPUT, ROLE_OUTPUT = "epc", "parent", "child", "in", "out"


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason input was refused: a JSON pointer into the submitted document and why."""

    pointer: str
    code: str
    message: str


class EpcisError(TraceError):
    """EPCIS input refused; `problems` names each fault and where it is (all of them, up to a cap)."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        super().__init__(first.code, f"{first.pointer or '/'}: {first.message}")
        self.problems = problems


@dataclass(slots=True)
class EpcisEvent:
    """One event, normalised: EPCs and locations as canonical Digital Links, CBV terms bare."""

    pointer: str  # where it was in the submitted document, for messages
    event_id: str  # eventID, or the event hash when the sender gave none
    event_hash: str
    event_type: str
    action: str | None
    event_time_us: int  # UTC microseconds
    time_zone_offset: str
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    epcs: list[tuple[str, str]]  # (canonical EPC, role)
    ilmd: dict[str, Any]
    raw: dict[str, Any]
    persistent_set: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def epcs_in(self, *roles: str) -> list[str]:
        return [epc for epc, role in self.epcs if role in roles]

    @property
    def location(self) -> str | None:
        """Where the event says the objects are (bizLocation), else where they were read."""
        return self.biz_location or self.read_point
