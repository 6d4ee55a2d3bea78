"""Stored versions, the content hash that detects no-op updates, and stamping."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from enlace.store.records import IndexRows, NoIndexer, StoredVersion, content_hash, stamp

PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "p1",
    "active": True,
    "name": [{"family": "Pérez", "given": ["Ana", "María"]}],
}

JAN_1_2026_US = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z


def with_meta(resource: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {**copy.deepcopy(resource), "meta": meta}


# -- content_hash -----------------------------------------------------------------------------


def test_hash_is_a_sha256_hex_digest() -> None:
    digest = content_hash(PATIENT)
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")
    assert content_hash(copy.deepcopy(PATIENT)) == digest


def test_hash_ignores_server_owned_meta() -> None:
    stamped = with_meta(PATIENT, versionId="7", lastUpdated="2026-01-01T00:00:00.000Z")
    assert content_hash(stamped) == content_hash(PATIENT)
    assert content_hash(with_meta(PATIENT, versionId="1")) == content_hash(PATIENT)
    assert content_hash(with_meta(PATIENT, lastUpdated="2027-05-05T00:00:00.000Z")) == (
        content_hash(PATIENT)
    )


def test_hash_keeps_other_meta_fields() -> None:
    profiled = with_meta(
        PATIENT, versionId="1", profile=["http://example.org/StructureDefinition/p"]
    )
    same_profile = with_meta(
        PATIENT,
        versionId="2",
        lastUpdated="x",
        profile=["http://example.org/StructureDefinition/p"],
    )
    assert content_hash(profiled) != content_hash(PATIENT)
    assert content_hash(profiled) == content_hash(same_profile)
    tagged = with_meta(PATIENT, versionId="1", tag=[{"code": "a"}])
    assert content_hash(tagged) != content_hash(profiled)


def test_hash_does_not_mutate_the_resource() -> None:
    stamped = with_meta(PATIENT, versionId="7", lastUpdated="2026-01-01T00:00:00.000Z")
    before = copy.deepcopy(stamped)
    content_hash(stamped)
    assert stamped == before


@pytest.mark.parametrize(
    "change",
    [
        {"active": False},
        {"id": "p2"},
        {"name": [{"family": "Pérez", "given": ["María", "Ana"]}]},  # array order matters
        {"gender": "female"},
    ],
)
def test_hash_sees_content_changes(change: dict[str, Any]) -> None:
    assert content_hash({**PATIENT, **change}) != content_hash(PATIENT)


def test_hash_is_key_order_independent() -> None:
    reordered = {
        "name": [{"given": ["Ana", "María"], "family": "Pérez"}],
        "active": True,
        "id": "p1",
        "resourceType": "Patient",
    }
    assert list(reordered) != list(PATIENT)
    assert content_hash(reordered) == content_hash(PATIENT)
    meta_first = {"meta": {"profile": ["x"], "versionId": "3"}, **PATIENT}
    meta_last = {**PATIENT, "meta": {"versionId": "9", "profile": ["x"]}}
    assert content_hash(meta_first) == content_hash(meta_last)


# -- stamp ------------------------------------------------------------------------------------


def test_stamp_sets_id_and_server_meta_and_returns_the_bytes() -> None:
    resource = copy.deepcopy(PATIENT)
    resource.pop("id")
    body = stamp(resource, "new-id", 3, "2026-01-01T00:00:00.001Z")
    assert isinstance(body, bytes)
    served = orjson.loads(body)
    assert served == resource
    assert served["id"] == "new-id"
    assert served["meta"] == {"versionId": "3", "lastUpdated": "2026-01-01T00:00:00.001Z"}
    assert served["name"] == PATIENT["name"]


def test_stamp_overwrites_client_meta_but_keeps_the_rest() -> None:
    client_meta = {
        "versionId": "99",
        "lastUpdated": "1999-01-01T00:00:00Z",
        "profile": ["http://example.org/p"],
        "security": [{"code": "R"}],
    }
    resource = {**copy.deepcopy(PATIENT), "id": "client-id", "meta": client_meta}
    served = orjson.loads(stamp(resource, "p1", 1, "2026-01-01T00:00:00.000Z"))
    assert served["id"] == "p1"
    assert served["meta"] == {
        "versionId": "1",
        "lastUpdated": "2026-01-01T00:00:00.000Z",
        "profile": ["http://example.org/p"],
        "security": [{"code": "R"}],
    }
    assert client_meta["versionId"] == "99"  # the client's meta object is copied, not edited


@pytest.mark.parametrize("meta", [None, "junk", []])
def test_stamp_replaces_a_meta_that_is_not_an_object(meta: Any) -> None:
    resource = {"resourceType": "Patient", "meta": meta}
    served = orjson.loads(stamp(resource, "p1", 2, "2026-01-01T00:00:00.000Z"))
    assert served["meta"] == {"versionId": "2", "lastUpdated": "2026-01-01T00:00:00.000Z"}


def test_stamped_content_hashes_like_the_unstamped_resource() -> None:
    resource = copy.deepcopy(PATIENT)
    stamp(resource, "p1", 5, "2026-01-01T00:00:00.000Z")
    assert content_hash(resource) == content_hash(PATIENT)


# -- StoredVersion ----------------------------------------------------------------------------


def version(last_updated_us: int = JAN_1_2026_US, content: bytes | None = b"{}") -> StoredVersion:
    return StoredVersion("Patient", "p1", 3, last_updated_us, content is None, content, "PUT")


def test_etag_and_reference() -> None:
    assert version().etag == 'W/"3"'
    assert version().reference == "Patient/p1"


@pytest.mark.parametrize(
    ("offset_us", "text"),
    [
        (0, "2026-01-01T00:00:00.000Z"),
        (1_000, "2026-01-01T00:00:00.001Z"),
        (999, "2026-01-01T00:00:00.000Z"),  # truncated to the millisecond
        (123_456, "2026-01-01T00:00:00.123Z"),
        (999_999, "2026-01-01T00:00:00.999Z"),
        (86_400_000_000 + 61_500_000, "2026-01-02T00:01:01.500Z"),
    ],
)
def test_last_updated_is_a_millisecond_utc_instant(offset_us: int, text: str) -> None:
    assert version(JAN_1_2026_US + offset_us).last_updated == text


def test_resource_parses_the_content() -> None:
    body = orjson.dumps(PATIENT)
    assert version(content=body).resource() == PATIENT
    first, second = version(content=body).resource(), version(content=body).resource()
    assert first is not second


def test_resource_of_a_tombstone_raises() -> None:
    tombstone = version(content=None)
    assert tombstone.deleted
    with pytest.raises(ValueError, match="Patient/p1 version 3 is a delete tombstone"):
        tombstone.resource()


def test_stored_version_is_immutable() -> None:
    with pytest.raises(AttributeError):
        version().version_id = 4


def test_no_indexer_produces_no_rows() -> None:
    rows = NoIndexer().rows("Patient", "p1", PATIENT)
    assert rows == IndexRows() and rows.count() == 0
