"""The sync batch as parsed: every structural problem named by its location (docs/sync.md)."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import orjson
import pytest

from enlace.kernel.errors import FhirError
from enlace.modules.screening import sync_protocol as protocol

CAPTURED = "2026-03-01T09:30:00-06:00"


def registration(**fields: Any) -> dict[str, Any]:
    item = {
        "clientId": str(uuid.uuid4()),
        "kind": "patient-registration",
        "capturedAt": CAPTURED,
        "payload": {"resourceType": "Patient", "name": [{"family": "Ruiz"}]},
    }
    return {**item, **fields}


_BATCH_NUMBERS = itertools.count(1)


def batch(*items: Any, **fields: Any) -> bytes:
    # Numbered, not random, ids: pytest-xdist workers must collect identical parameter ids.
    body = {
        "batchId": str(uuid.UUID(int=next(_BATCH_NUMBERS))),
        "device": "phone-7",
        "items": list(items),
        **fields,
    }
    return orjson.dumps(body)


def locations(body: bytes) -> list[str | None]:
    with pytest.raises(FhirError) as caught:
        protocol.parse_batch(body)
    assert caught.value.status == 400
    return [issue.expression for issue in caught.value.issues]


def test_a_good_batch_parses_with_aware_times_and_digests() -> None:
    edit = {
        "clientId": str(uuid.uuid4()),
        "kind": "patient-edit",
        "capturedAt": CAPTURED,
        "patient": "p1",
        "baseVersion": 2,
        "payload": {"resourceType": "Patient", "id": "p1"},
    }
    parsed = protocol.parse_batch(batch(registration(), edit))
    assert [i.kind for i in parsed.items] == ["patient-registration", "patient-edit"]
    assert parsed.items[0].captured_at.utcoffset() is not None
    utc = protocol.parse_batch(batch(registration(capturedAt="2026-03-01T15:30:00.25Z")))
    assert utc.items[0].captured_at == parsed.items[0].captured_at.replace(microsecond=250000)
    assert (parsed.items[1].patient, parsed.items[1].base_version) == ("p1", 2)
    assert len(parsed.digest) == 64


def test_the_digest_ignores_key_order_but_not_content() -> None:
    item = registration()
    one = protocol.parse_batch(batch(item, batchId="0f8fad5b-d9cb-469f-a165-70867728950e"))
    reordered = dict(reversed(list(item.items())))
    two = protocol.parse_batch(batch(reordered, batchId="0f8fad5b-d9cb-469f-a165-70867728950e"))
    other = protocol.parse_batch(batch({**item, "capturedAt": "2026-03-01T09:31:00-06:00"}))
    assert one.digest == two.digest != other.digest
    assert one.items[0].digest == two.items[0].digest != other.items[0].digest


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b"{", "$"),
        (b"[]", "$"),
        (batch(registration(), batchId="not-a-uuid"), "batchId"),
        (batch(registration(), batchId="{0f8fad5b-d9cb-469f-a165-70867728950e}"), "batchId"),
        (batch(registration(), device=""), "device"),
        (batch(), "items"),
        (batch(registration(), extra=1), "extra"),
        (batch(registration(clientId="x")), "items[0].clientId"),
        (batch(registration(kind="visit")), "items[0].kind"),
        (batch(registration(capturedAt="2026-03-01T09:30:00")), "items[0].capturedAt"),
        (batch(registration(capturedAt="2026-03-01")), "items[0].capturedAt"),
        (batch(registration(capturedAt="yesterday")), "items[0].capturedAt"),
        (batch(registration(capturedAt="2026-03-01T09:30-06:00")), "items[0].capturedAt"),
        (batch(registration(capturedAt="2026-02-30T09:30:00-06:00")), "items[0].capturedAt"),
        (batch(registration(capturedAt=20260301)), "items[0].capturedAt"),
        (batch(registration(payload=[1])), "items[0].payload"),
        (batch(registration(patient="p1")), "items[0].patient"),
        (batch(registration(baseVersion=1)), "items[0].baseVersion"),
        (batch(registration(kind="screening")), "items[0].patient"),
        (batch(registration(kind="screening", patient="urn:uuid:nope")), "items[0].patient"),
        (batch(registration(kind="patient-edit", patient="p1")), "items[0].baseVersion"),
        (
            batch(registration(kind="patient-edit", patient="p1", baseVersion=0)),
            "items[0].baseVersion",
        ),
        (batch(registration(), registration(colour="red")), "items[1].colour"),
        (batch(registration(), "item"), "items[1]"),
    ],
)
def test_each_malformed_batch_is_refused_naming_the_location(body: bytes, where: str) -> None:
    assert where in locations(body)


def test_a_client_id_twice_in_one_batch_is_refused() -> None:
    item = registration()
    assert locations(batch(item, {**item})) == ["items[1].clientId"]


def test_too_many_items_are_refused_before_reading_them() -> None:
    items = [registration() for _ in range(protocol.MAX_ITEMS + 1)]
    assert locations(batch(*items)) == ["items"]
    assert len(protocol.parse_batch(batch(*items[:-1])).items) == protocol.MAX_ITEMS


def test_every_problem_is_listed_at_once() -> None:
    body = batch(registration(clientId="x"), registration(kind="visit"), batchId="y")
    assert locations(body) == ["batchId", "items[0].clientId", "items[1].kind"]
