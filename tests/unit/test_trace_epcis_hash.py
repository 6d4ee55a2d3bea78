"""GS1 EPCIS event hash: every vector in ../shared/conformance/epcis/event-hash-vectors, and the
normalisations the pre-hash string relies on (EPC URNs and Digital Links, times, numbers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from enlace.modules.trace.epcis_hash import (
    event_hash,
    hash_prehash,
    namespaces,
    prehash,
    utc_millis,
)
from enlace.modules.trace.epcis_ids import canonical_epc, is_pack_epc
from tests.conftest import SHARED

VECTORS = SHARED / "conformance" / "epcis" / "event-hash-vectors"


def _documents() -> list[Path]:
    return sorted(VECTORS.glob("*.jsonld"))


def _events(document: dict[str, Any]) -> list[dict[str, Any]]:
    body = document["epcisBody"]
    events: list[dict[str, Any]] = body.get("eventList") or [body["event"]]
    return events


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_there_are_vectors() -> None:
    assert len(_documents()) >= 2


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.stem)
def test_every_vector_prehash_and_hash(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    ns = namespaces(document.get("@context"))
    events = _events(document)
    expected_pre = _lines(path.with_suffix(".prehashes"))
    expected_hash = _lines(path.with_suffix(".hashes"))
    assert len(events) == len(expected_pre) == len(expected_hash)
    for event, pre, digest in zip(events, expected_pre, expected_hash, strict=True):
        assert prehash(event, ns) == pre
        assert hash_prehash(pre) == digest
        assert event_hash(event, ns) == digest


def test_hash_ignores_key_order_ids_and_record_time() -> None:
    document = json.loads((VECTORS / "ReferenceEventHashAlgorithm.jsonld").read_text())
    ns = namespaces(document["@context"])
    event = _events(document)[0]
    shuffled = dict(reversed(list(event.items())))
    shuffled["epcList"] = list(reversed(event["epcList"]))
    shuffled["eventID"] = "urn:uuid:6b3c1d9e-0000-4000-8000-000000000001"
    shuffled["recordTime"] = "2030-01-01T00:00:00Z"
    assert event_hash(shuffled, ns) == event_hash(event, ns)


def test_hash_changes_with_any_value() -> None:
    document = json.loads((VECTORS / "ReferenceEventHashAlgorithm2.jsonld").read_text())
    ns = namespaces(document["@context"])
    event = _events(document)[0]
    changed = {**event, "bizStep": "shipping"}
    assert event_hash(changed, ns) != event_hash(event, ns)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2020-03-04T11:00:30.000+01:00", "2020-03-04T10:00:30.000Z"),
        ("2020-04-01T15:00:00+01:00", "2020-04-01T14:00:00.000Z"),
        ("2023-02-02T11:04:03.1415Z", "2023-02-02T11:04:03.142Z"),  # 4th decimal 5: up
        ("2023-02-02T11:04:03.1414Z", "2023-02-02T11:04:03.141Z"),
        ("2023-12-31T23:59:59.9996Z", "2024-01-01T00:00:00.000Z"),  # the carry crosses a year
        ("2019-10-21T00:05:00-06:00", "2019-10-21T06:05:00.000Z"),
    ],
)
def test_times_in_utc_milliseconds(given: str, expected: str) -> None:
    assert utc_millis(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("urn:epc:id:sgtin:4012345.011111.9876", "https://id.gs1.org/01/04012345111118/21/9876"),
        ("urn:epc:id:sscc:4012345.0000000333", "https://id.gs1.org/00/040123450000003338"),
        ("urn:epc:id:sgln:4012345.00005.0", "https://id.gs1.org/414/4012345000054"),
        ("urn:epc:id:sgln:4012345.00011.987", "https://id.gs1.org/414/4012345000115/254/987"),
        ("urn:epc:id:pgln:4000001.98765", "https://id.gs1.org/417/4000001987658"),
        ("urn:epc:id:giai:4000001.111", "https://id.gs1.org/8004/4000001111"),
        ("urn:epc:id:gdti:4012345.55555.1234", "https://id.gs1.org/253/40123455555541234"),
        (
            "urn:epc:class:lgtin:4012345.012345.998877",
            "https://id.gs1.org/01/04012345123456/10/998877",
        ),
        ("urn:epc:idpat:sgtin:4012345.066666.*", "https://id.gs1.org/01/04012345666663"),
        ("urn:epc:id:sgtin:4012345.011111.A%2FB", "https://id.gs1.org/01/04012345111118/21/A%2FB"),
        # Digital Links: GS1 host, no query, only the finest key qualifiers, GTIN-14.
        (
            "https://id.example.mx/resolver/01/04012345111118/10/L1/21/9876?17=271100",
            "https://id.gs1.org/01/04012345111118/21/9876",
        ),
        ("https://id.example.mx/01/4012345111118", "https://id.gs1.org/01/04012345111118"),
        ("https://id.gs1.de/414/4012345000115", "https://id.gs1.org/414/4012345000115"),
        ("https://example.org/certificate/ABC", "https://example.org/certificate/ABC"),
        ("geo:47.506694,11.104301", "geo:47.506694,11.104301"),
        ("urn:epc:id:unknownscheme:1.2", "urn:epc:id:unknownscheme:1.2"),
    ],
)
def test_canonical_epc(given: str, expected: str) -> None:
    assert canonical_epc(given) == expected


def test_a_urn_and_a_digital_link_of_one_pack_are_one_key() -> None:
    urn = canonical_epc("urn:epc:id:sgtin:4012345.011111.A%2FB")
    link = canonical_epc("https://id.example/01/04012345111118/21/A%2fB")
    assert urn == link and is_pack_epc(urn)
    assert not is_pack_epc(canonical_epc("urn:epc:id:sscc:4012345.0000000333"))


def test_numbers_user_extensions_and_curies() -> None:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2024-01-01T00:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "quantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.012345.7", "quantity": 2.0}],
        "ex:flag": True,
        "ex:ref": "ex:thing",
    }
    pre = prehash(event, namespaces([{"ex": "https://ns.example.com/"}]))
    assert "quantity=2uom" not in pre and "quantity=2" in pre
    assert pre.endswith(
        "{https://ns.example.com/}flag=true{https://ns.example.com/}ref=https://ns.example.com/thing"
    )
