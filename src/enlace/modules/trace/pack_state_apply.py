"""Events applied, in order of acceptance, to the objects they name: state, location, containment.

`Tracker.apply(event, seq)` is the only writer of object state during a capture. It
- maintains aggregation: AggregationEvent ADD/OBSERVE puts children in a parent, DELETE takes
  the listed children (or all) out;
- moves whole containers: a step on a pallet applies to every case and pack inside it;
- runs `pack_state.transition` for each object and records illegal steps as alerts;
- checks what a transition cannot see: lot/expiry claims against the commissioning event,
  expiry at dispense, impossible travel, places outside the authorized chain.
An event older than what an object has already seen (out of order) is kept in the history and
checked, but does not move the object's current state or location back in time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from enlace.modules.trace.epcis_ids import GS1_HOST, canonical_epc, is_pack_epc
from enlace.modules.trace.epcis_locations import Place
from enlace.modules.trace.epcis_model import (
    ROLE_CHILD,
    ROLE_EPC,
    ROLE_INPUT,
    ROLE_OUTPUT,
    ROLE_PARENT,
    EpcisEvent,
)
from enlace.modules.trace.errors import Gs1Error
from enlace.modules.trace.events_alerts import Alert, travel_alert
from enlace.modules.trace.gs1 import GS1Code
from enlace.modules.trace.gs1_link import parse_digital_link
from enlace.modules.trace.pack_state import State, Step, step_of, transition
from enlace.modules.trace.pack_state_store import ObjectRow, Objects
from enlace.modules.trace.pack_state_verify import product_name

_LOT_KEYS = ("cbvmda:lotNumber", "urn:epcglobal:cbv:mda:lotNumber")
_EXPIRY_KEYS = ("cbvmda:itemExpirationDate", "urn:epcglobal:cbv:mda:itemExpirationDate")
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_RAW_EPC_FIELDS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")


def _ilmd_value(ilmd: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    return next((ilmd[k] for k in keys if isinstance(ilmd.get(k), str)), None)


def _iso_date(value: str | None) -> str | None:
    """An ILMD expiry as an ISO date; anything else is no usable expiry."""
    if value is None or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def claims_of(raw: dict[str, Any]) -> dict[str, GS1Code]:
    """What the event's Digital Links say about lot and expiry, by canonical EPC."""
    found: dict[str, GS1Code] = {}
    for name in _RAW_EPC_FIELDS:
        for value in raw.get(name) or ():
            if (
                isinstance(value, str)
                and value.startswith("http")
                and ("/10/" in value or "17=" in value)
            ):
                try:
                    found[canonical_epc(value)] = parse_digital_link(value)
                except Gs1Error:
                    continue  # canonical form still identifies the pack; no claim to check
    return found


def _gtin_serial(epc: str) -> tuple[str | None, str | None]:
    if not is_pack_epc(epc):
        return None, None
    parts = epc[len(GS1_HOST) + 1 :].split("/")
    return parts[1], parts[3]


class Tracker:
    def __init__(
        self,
        loaded: Objects,
        places: dict[str, Place],
        recalled: set[tuple[str, str]],
    ) -> None:
        self.objects = loaded
        self.places = places
        self.recalled = recalled
        self.alerts: list[Alert] = []

    def apply(self, event: EpcisEvent, seq: int) -> None:
        self._check_place(event)
        claims = claims_of(event.raw)
        step = step_of(event.biz_step, event.disposition, event.action)
        if event.event_type == "AggregationEvent":
            self._aggregate(event, seq)
        for epc, target_step in self._targets(event, step):
            row = self.objects.get(epc)
            if target_step is Step.COMMISSION and (row is None or not row.commissioned):
                row = self._commission(epc, row, event, claims.get(epc), seq)
            else:
                row = self._step(epc, row, event, target_step, seq)
            if epc in claims:
                self._check_claim(row, claims[epc], event)

    # -- which objects a step applies to ------------------------------------------------------

    def _targets(self, event: EpcisEvent, step: Step) -> list[tuple[str, Step]]:
        if event.event_type == "TransformationEvent":
            consumed = [(e, Step.DECOMMISSION) for e in event.epcs_in(ROLE_INPUT)]
            return consumed + [(e, step) for e in event.epcs_in(ROLE_OUTPUT)]
        named = event.epcs_in(ROLE_EPC, ROLE_PARENT, ROLE_CHILD)
        if event.event_type == "AggregationEvent" and step is Step.OBSERVE:
            named = event.epcs_in(ROLE_PARENT)  # packing itself moves nothing
        seen: dict[str, Step] = {}
        for epc in named:
            for target in (epc, *self.objects.descendants(epc)):
                seen.setdefault(target, step)
        return list(seen.items())

    def _aggregate(self, event: EpcisEvent, seq: int) -> None:
        parents = event.epcs_in(ROLE_PARENT)
        if not parents:
            return
        parent = self._ensure(parents[0], event, seq)
        children = event.epcs_in(ROLE_CHILD)
        if event.action == "DELETE":
            gone = children or sorted(self.objects.children.get(parent.epc, ()))
            for epc in gone:
                child = self.objects.get(epc)
                if child is not None and child.parent == parent.epc:
                    self.objects.set_parent(child, None)
            return
        for epc in children:
            self.objects.set_parent(self._ensure(epc, event, seq), parent.epc)

    def _ensure(self, epc: str, event: EpcisEvent, seq: int) -> ObjectRow:
        """The object's row; an unknown container is created quietly, an unknown pack flagged."""
        row = self.objects.get(epc)
        if row is not None:
            return row
        if is_pack_epc(epc):
            self._alert("unknown-epc", epc, event, f"{epc} was never commissioned")
        gtin, serial = _gtin_serial(epc)
        fresh = ObjectRow(
            epc,
            gtin,
            serial,
            None,
            None,
            State.AT_LOCATION.value,
            event.location,
            None,
            False,
            0,
            event.event_time_us,
            seq,
        )
        return self.objects.add(fresh)

    # -- one object, one step -----------------------------------------------------------------

    def _commission(
        self, epc: str, row: ObjectRow | None, event: EpcisEvent, claim: GS1Code | None, seq: int
    ) -> ObjectRow:
        gtin, serial = _gtin_serial(epc)
        lot = _ilmd_value(event.ilmd, _LOT_KEYS) or (claim.lot if claim else None)
        expiry = _iso_date(_ilmd_value(event.ilmd, _EXPIRY_KEYS))
        if expiry is None and claim is not None and claim.expiry_date is not None:
            expiry = claim.expiry_date.isoformat()
        if gtin is not None and product_name(gtin) is None:
            self._alert("unknown-gtin", epc, event, f"GTIN {gtin} is not in the formulary")
        state = (
            State.RECALLED if gtin and lot and (gtin, lot) in self.recalled else State.COMMISSIONED
        )
        if row is None:
            row = self.objects.add(
                ObjectRow(
                    epc,
                    gtin,
                    serial,
                    lot,
                    expiry,
                    state.value,
                    event.location,
                    None,
                    True,
                    0,
                    event.event_time_us,
                    seq,
                )
            )
            return row
        # Seen before its commissioning arrived (out of order): fill in what it is.
        row.gtin, row.serial, row.lot, row.expiry, row.commissioned = (
            gtin,
            serial,
            lot,
            expiry,
            True,
        )
        self.objects.touch(row)
        return row

    def _step(
        self, epc: str, row: ObjectRow | None, event: EpcisEvent, step: Step, seq: int
    ) -> ObjectRow:
        if row is None:
            row = self._ensure(epc, event, seq)
            row.state = (transition(None, step).state or State.AT_LOCATION).value
            return row
        late = event.event_time_us < row.last_event_us
        outcome = transition(State(row.state), step)
        if outcome.alert is not None and (is_pack_epc(epc) or not late):
            self._alert(outcome.alert, epc, event, f"{epc}: {step.value} while {row.state}")
        if step is Step.DISPENSE and outcome.alert is None:
            self._check_expiry(row, event)
        if step is Step.DISPENSE:
            row.dispense_count += 1
        if not late:
            self._move(row, event, outcome.state or State(row.state), seq)
        self.objects.touch(row)
        return row

    def _move(self, row: ObjectRow, event: EpcisEvent, state: State, seq: int) -> None:
        place = event.location
        if place is not None and row.location not in (None, place):
            before, after = self.places.get(row.location), self.places.get(place)
            if before is not None and after is not None and is_pack_epc(row.epc):
                elapsed = event.event_time_us - row.last_event_us
                found = travel_alert(row.epc, event.event_id, before, after, elapsed)
                self.alerts.extend([found] if found else [])
        row.state = state.value
        row.location = place or row.location
        row.last_event_us = event.event_time_us
        row.updated_seq = seq

    # -- checks ---------------------------------------------------------------------------------

    def _check_claim(self, row: ObjectRow, claim: GS1Code, event: EpcisEvent) -> None:
        if claim.lot is not None and row.lot is not None and claim.lot != row.lot:
            self._alert(
                "batch-mismatch",
                row.epc,
                event,
                f"{row.epc}: lot {claim.lot!r}, commissioned as {row.lot!r}",
            )
        claimed = claim.expiry_date.isoformat() if claim.expiry_date else None
        if claimed is not None and row.expiry is not None and claimed != row.expiry:
            self._alert(
                "expiry-mismatch",
                row.epc,
                event,
                f"{row.epc}: expiry {claimed}, commissioned as {row.expiry}",
            )

    def _check_expiry(self, row: ObjectRow, event: EpcisEvent) -> None:
        day = datetime.fromtimestamp(event.event_time_us / 1e6, UTC).date().isoformat()
        if row.expiry is not None and row.expiry < day:
            self._alert(
                "dispense-expired",
                row.epc,
                event,
                f"{row.epc} dispensed on {day}, expired {row.expiry}",
            )

    def _check_place(self, event: EpcisEvent) -> None:
        """Where it happened, and where a shipment goes (a destination that is a location, 414),
        must be registered, authorized places: else the packs are leaving the chain."""
        first = next((e for e, _ in event.epcs), None)
        shipped_to = [d for d in event.destinations if "/414/" in d]
        for place in ([event.location] if event.location else []) + shipped_to:
            known = self.places.get(place)
            if known is None or not known.authorized:
                what = "destination" if place in shipped_to else "place"
                why = "not an authorized location" if known else "not a registered location"
                self._alert("outside-chain", first, event, f"{what} {place} is {why}")
                return

    def _alert(self, kind: str, epc: str | None, event: EpcisEvent, message: str) -> None:
        self.alerts.append(Alert(kind, epc, event.event_id, event.location, message))
