"""EPCIS 2.0 JSON-LD input checked and normalised: the official JSON schema, then CBV and our rules.

The schema (GS1 EPCIS 2.0 `EPCIS-JSON-Schema.json`, shipped in `schema/`) is compiled once per
process by the Rust validator (`jsonschema_rs`): ~4 ms to compile, tens of µs per event to check
(bench/epcis.py). Its messages are then made precise: an unknown bizStep or disposition says so
instead of "not valid under any of the schemas listed in anyOf", and only the deepest problem at
each place is reported. Every problem carries the JSON pointer of the bad field.

Beyond the schema: AssociationEvent is refused (no use here yet), CBV terms spelled in the CBV
namespaces must be real CBV 2.0 terms (a private vocabulary URI outside them is allowed, as
EPCIS allows it), and a document holds at most `MAX_EVENTS` events.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema_rs

from enlace.modules.trace.epcis_hash import TIMESTAMP, hash_prehash, namespaces, prehash, utc_millis
from enlace.modules.trace.epcis_ids import canonical_epc
from enlace.modules.trace.epcis_model import (
    EVENT_TYPES,
    ROLE_CHILD,
    ROLE_EPC,
    ROLE_INPUT,
    ROLE_OUTPUT,
    ROLE_PARENT,
    EpcisError,
    EpcisEvent,
    Problem,
)
from enlace.modules.trace.epcis_vocab import BIZ_STEP, DISPOSITION, Vocabulary

SCHEMA_PATH = Path(__file__).parent / "schema" / "EPCIS-JSON-Schema.json"
MAX_EVENTS = 10_000
MAX_PROBLEMS = 50
MAX_EVENT_ID = 1024  # the column's size; keeps a log entry small
_EPC_FIELDS = (
    ("epcList", ROLE_EPC),
    ("childEPCs", ROLE_CHILD),
    ("inputEPCList", ROLE_INPUT),
    ("outputEPCList", ROLE_OUTPUT),
)


@lru_cache(maxsize=1)
def validator() -> Any:
    return jsonschema_rs.validator_for(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _vocab_problem(vocab: Vocabulary, value: Any, where: str) -> Problem | None:
    if not isinstance(value, str) or vocab.bare_term(value) is not None or vocab.is_private(value):
        return None
    return Problem(
        where, f"unknown-{vocab.name.lower()}", f"{value!r} is not a CBV 2.0 {vocab.name}"
    )


def _event_problems(event: Any, where: str) -> list[Problem]:
    """Our rules on one event, before the schema (so their precise messages win)."""
    if not isinstance(event, dict):
        return []
    kind = event.get("type")
    if kind == "AssociationEvent":
        return [Problem(where + "/type", "unsupported-event", "AssociationEvent is not supported")]
    event_time = event.get("eventTime")
    if isinstance(event_time, str) and TIMESTAMP.match(event_time) is None:
        message = f"{event_time[:40]!r} is not a date-time with a time zone (xsd:dateTimeStamp)"
        return [Problem(where + "/eventTime", "bad-time", message)]
    event_id = event.get("eventID")
    problems = [
        Problem(where + "/eventID", "event-id-too-long", f"at most {MAX_EVENT_ID} characters")
        if isinstance(event_id, str) and len(event_id) > MAX_EVENT_ID
        else None,
        _vocab_problem(BIZ_STEP, event.get("bizStep"), where + "/bizStep"),
        _vocab_problem(DISPOSITION, event.get("disposition"), where + "/disposition"),
    ]
    persistent = event.get("persistentDisposition")
    if isinstance(persistent, dict):
        for side in ("set", "unset"):
            values = persistent.get(side)
            for i, value in enumerate(values if isinstance(values, list) else []):
                at = f"{where}/persistentDisposition/{side}/{i}"
                problems.append(_vocab_problem(DISPOSITION, value, at))
    return [p for p in problems if p is not None]


def _schema_problems(document: Any, known: set[str]) -> list[Problem]:
    found = [
        Problem(pointer(error.instance_path), "schema", error.message[:300])
        for error in validator().iter_errors(document)
    ]
    # Keep the deepest problem at each place: an event "is not valid" because its bizStep is not.
    places = {p.pointer for p in found} | known
    return [
        p
        for p in found
        if p.pointer not in known and not any(o.startswith(p.pointer + "/") for o in places)
    ]


def _bare(event: dict[str, Any]) -> dict[str, Any]:
    """The event with CBV URN / Web URI terms as bare words: the JSON schema accepts only those
    (and non-CBV URIs), while EPCIS 1.x-style senders write `urn:epcglobal:cbv:bizstep:...`."""
    changed = dict(event)
    for name, vocab in (("bizStep", BIZ_STEP), ("disposition", DISPOSITION)):
        value = event.get(name)
        if isinstance(value, str) and ":" in value and vocab.bare_term(value) is not None:
            changed[name] = vocab.bare_term(value)
    return changed


def _bare_terms(document: dict[str, Any], events: list[tuple[str, Any]]) -> dict[str, Any]:
    if not any(isinstance(e, dict) and _bare(e) != e for _, e in events):
        return document
    bare = [_bare(e) if isinstance(e, dict) else e for _, e in events]
    if document.get("type") != "EPCISDocument":
        return bare[0]
    body = dict(document["epcisBody"])
    body["eventList" if "eventList" in body else "event"] = bare if "eventList" in body else bare[0]
    return {**document, "epcisBody": body}


def events_of(document: Any) -> Iterator[tuple[str, Any]]:
    """(pointer, event) for an EPCISDocument's events or a single event."""
    if not isinstance(document, dict):
        return
    if document.get("type") == "EPCISDocument":
        body = document.get("epcisBody")
        events = body.get("eventList") if isinstance(body, dict) else None
        if isinstance(events, list):
            yield from ((f"/epcisBody/eventList/{i}", e) for i, e in enumerate(events))
        elif isinstance(body, dict) and isinstance(body.get("event"), dict):
            yield "/epcisBody/event", body["event"]
    elif document.get("type") in (*EVENT_TYPES, "AssociationEvent"):
        yield "", document


def check_document(document: Any) -> list[tuple[str, dict[str, Any]]]:
    """The document's events, or EpcisError naming every problem (up to MAX_PROBLEMS)."""
    if not isinstance(document, dict) or document.get("type") not in (
        "EPCISDocument",
        *EVENT_TYPES,
        "AssociationEvent",
    ):
        kinds = ", ".join(("EPCISDocument", *EVENT_TYPES))
        raise EpcisError([Problem("/type", "not-epcis", f"expected an EPCIS 2.0 {kinds}")])
    events = list(events_of(document))
    if len(events) > MAX_EVENTS:
        raise EpcisError(
            [Problem("/epcisBody/eventList", "too-many-events", f"at most {MAX_EVENTS} events")]
        )
    problems = [p for where, event in events for p in _event_problems(event, where)]
    problems += _schema_problems(_bare_terms(document, events), {p.pointer for p in problems})
    if not events and not problems:
        problems.append(Problem("/epcisBody", "no-events", "the document has no events"))
    if problems:
        raise EpcisError(sorted(problems, key=lambda p: p.pointer)[:MAX_PROBLEMS])
    return events


def parse_document(document: Any) -> list[EpcisEvent]:
    """Validate and normalise; EpcisError if anything is wrong (nothing is half-accepted)."""
    events = check_document(document)
    ns = namespaces(document.get("@context"))
    inline = _inline_prefixes(document.get("@context"))
    return [normalise(_carrying(event, inline), where, ns) for where, event in events]


def _inline_prefixes(context: Any) -> list[dict[str, Any]]:
    items = context if isinstance(context, list) else [context]
    return [item for item in items if isinstance(item, dict)]


def _carrying(event: dict[str, Any], inline: list[dict[str, Any]]) -> dict[str, Any]:
    """The event as stored and served, with the document's own prefixes in its `@context`, so
    a reader (an auditor rehashing it) resolves its CURIEs as capture did. The hash is the same:
    `@context` is not hashed, and the event's own prefixes still win."""
    if not inline:
        return event
    own = event.get("@context")
    mine = [] if own is None else own if isinstance(own, list) else [own]
    return {**event, "@context": [*inline, *mine]}


def _time_us(value: str) -> int:
    from datetime import datetime

    moment = datetime.fromisoformat(utc_millis(value).replace("Z", "+00:00"))
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def _canonical_list(values: Any) -> list[str]:
    return [canonical_epc(v) for v in values] if isinstance(values, list) else []


def _typed(entries: Any, field: str) -> tuple[str, ...]:
    if not isinstance(entries, list):
        return ()
    return tuple(canonical_epc(e[field]) for e in entries if isinstance(e, dict) and field in e)


def _term(vocab: Vocabulary, value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return vocab.bare_term(value) or value


def normalise(event: dict[str, Any], where: str, ns: dict[str, str]) -> EpcisEvent:
    pre = prehash(event, ns)
    digest = hash_prehash(pre)
    epcs = [(epc, role) for name, role in _EPC_FIELDS for epc in _canonical_list(event.get(name))]
    if isinstance(event.get("parentID"), str):
        epcs.append((canonical_epc(event["parentID"]), ROLE_PARENT))
    persistent = event.get("persistentDisposition") or {}
    return EpcisEvent(
        pointer=where,
        event_id=str(event.get("eventID") or digest),
        event_hash=digest,
        event_type=event["type"],
        action=event.get("action"),
        event_time_us=_time_us(event["eventTime"]),
        time_zone_offset=event["eventTimeZoneOffset"],
        biz_step=_term(BIZ_STEP, event.get("bizStep")),
        disposition=_term(DISPOSITION, event.get("disposition")),
        read_point=_location(event.get("readPoint")),
        biz_location=_location(event.get("bizLocation")),
        epcs=epcs,
        ilmd=event.get("ilmd") or {},
        raw=event,
        persistent_set=tuple(_term(DISPOSITION, d) or d for d in persistent.get("set", [])),
        sources=_typed(event.get("sourceList"), "source"),
        destinations=_typed(event.get("destinationList"), "destination"),
    )


def _location(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return canonical_epc(value["id"])
    return None
