"""EPCIS 2.0 validation: every conformance example is accepted; malformed variants are refused
with the JSON pointer of the bad field; any JSON is either accepted or refused with EpcisError."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enlace.modules.trace.epcis_model import EpcisError
from enlace.modules.trace.epcis_validate import MAX_EVENT_ID, parse_document
from enlace.modules.trace.epcis_vocab import BIZ_STEPS, DISPOSITIONS
from tests.conftest import SHARED

EPCIS = SHARED / "conformance" / "epcis"
EXAMPLES = sorted(p for p in EPCIS.glob("*.jsonld") if not p.name.startswith("cbv-context"))


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EPCIS / name).read_text(encoding="utf-8"))
    return document


def refused(document: Any) -> dict[str, str]:
    with pytest.raises(EpcisError) as caught:
        parse_document(document)
    return {p.pointer: p.code for p in caught.value.problems}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_conformance_example_is_accepted(path: Path) -> None:
    events = parse_document(json.loads(path.read_text(encoding="utf-8")))
    assert events and all(e.event_hash.startswith("ni:///sha-256;") for e in events)


def test_single_event_is_accepted() -> None:
    document = load("Example_9.6.1-ObjectEvent.jsonld")
    event = {"@context": document["@context"], **document["epcisBody"]["eventList"][0]}
    (parsed,) = parse_document(event)
    assert parsed.pointer == "" and parsed.biz_step == "shipping"


def test_cbv_lists_match_the_official_contexts() -> None:
    for name, terms in (("bizstep", BIZ_STEPS), ("disposition", DISPOSITIONS)):
        context = load(f"cbv-context-{name}.jsonld")["@context"]
        assert {k for k in context if not k.startswith("@") and k != "cbv"} == terms


def test_cbv_terms_in_all_three_spellings() -> None:
    document = load("Example_9.6.1-ObjectEvent.jsonld")
    first, second = document["epcisBody"]["eventList"]
    first["bizStep"] = "urn:epcglobal:cbv:bizstep:shipping"
    second["bizStep"] = "https://ref.gs1.org/cbv/BizStep-receiving"
    second["disposition"] = "urn:epcglobal:cbv:disp:in_progress"
    parsed = parse_document(document)
    assert [e.biz_step for e in parsed] == ["shipping", "receiving"]
    assert parsed[1].disposition == "in_progress"


BAD_EVENT = "/epcisBody/eventList/0"


@pytest.mark.parametrize(
    ("change", "pointer", "code"),
    [
        (lambda e: e.update(bizStep="teleporting"), BAD_EVENT + "/bizStep", "unknown-bizstep"),
        (
            lambda e: e.update(bizStep="urn:epcglobal:cbv:bizstep:x"),
            BAD_EVENT + "/bizStep",
            "unknown-bizstep",
        ),
        (lambda e: e.update(disposition="lost"), BAD_EVENT + "/disposition", "unknown-disposition"),
        (lambda e: e["epcList"].append(5), BAD_EVENT + "/epcList/2", "schema"),
        (lambda e: e.update(eventTime="yesterday"), BAD_EVENT + "/eventTime", "bad-time"),
        (lambda e: e.update(eventTime="2024-13-01T00:00:00Z"), BAD_EVENT + "/eventTime", "schema"),
        (lambda e: e.pop("eventTimeZoneOffset"), BAD_EVENT, "schema"),
        (lambda e: e.update(action="MOVE"), BAD_EVENT + "/action", "schema"),
        (lambda e: e.update(type="AssociationEvent"), BAD_EVENT + "/type", "unsupported-event"),
        (
            lambda e: e.update(eventID="x" * (MAX_EVENT_ID + 1)),
            BAD_EVENT + "/eventID",
            "event-id-too-long",
        ),
    ],
)
def test_malformed_event_is_refused_at_its_pointer(change: Any, pointer: str, code: str) -> None:
    document = load("Example_9.6.1-ObjectEvent.jsonld")
    change(document["epcisBody"]["eventList"][0])
    problems = refused(document)
    assert problems.get(pointer) == code, problems


def test_every_problem_is_reported() -> None:
    document = load("Example_9.6.1-ObjectEvent.jsonld")
    first, second = document["epcisBody"]["eventList"]
    first["bizStep"] = "teleporting"
    second["disposition"] = "lost"
    assert set(refused(document)) == {BAD_EVENT + "/bizStep", "/epcisBody/eventList/1/disposition"}


@pytest.mark.parametrize(
    ("document", "pointer"),
    [
        ([], "/type"),
        ({"type": "Patient"}, "/type"),
        ({"type": "EPCISDocument"}, ""),
    ],
)
def test_not_an_epcis_document(document: Any, pointer: str) -> None:
    assert pointer in refused(document)


def test_an_empty_event_list_is_refused() -> None:
    document = load("Example_9.6.1-ObjectEvent.jsonld")
    document["epcisBody"]["eventList"] = []
    assert refused(document) == {"/epcisBody": "no-events"}


def test_a_private_vocabulary_uri_is_allowed() -> None:
    document = load("Example_9.6.1-ObjectEvent.jsonld")
    document["epcisBody"]["eventList"][0]["bizStep"] = "https://vocab.example.mx/bizstep/sorting"
    assert parse_document(document)[0].biz_step == "https://vocab.example.mx/bizstep/sorting"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = [
    "type",
    "eventTime",
    "eventTimeZoneOffset",
    "epcList",
    "action",
    "bizStep",
    "disposition",
    "readPoint",
    "bizLocation",
    "eventID",
    "ilmd",
    "parentID",
    "childEPCs",
]


@settings(max_examples=300, deadline=None)
@given(field=st.sampled_from(FIELDS), value=json_values)
def test_any_field_value_is_accepted_or_refused_cleanly(field: str, value: Any) -> None:
    document = load("Example_9.6.1-ObjectEvent.jsonld")
    mutated = copy.deepcopy(document)
    mutated["epcisBody"]["eventList"][0][field] = value
    try:
        parse_document(mutated)
    except EpcisError as exc:
        assert exc.problems and all(
            p.pointer.startswith("/") or p.pointer == "" for p in exc.problems
        )
