"""Audit entries, the hash chain (each kind of tampering is caught) and the FHIR AuditEvent form."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from enlace.fhir.definitions import FhirDefinitions, load_definitions
from enlace.fhir.validation import validate_resource
from enlace.security.access import Access
from enlace.security.audit import (
    ENTRY_COLUMNS,
    GENESIS,
    HASHED_COLUMNS,
    LATE_AFTER_US,
    AuditEntry,
    chain_links,
    entry_hash,
    hits,
    login_entry,
    parse_anchor,
    verify_rows,
)
from enlace.security.audit_fhir import access_summary, to_audit_event
from enlace.security.scopes import parse_scopes
from enlace.security.tables import audit_log
from enlace.security.users import LoginAttempt

T0 = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z


def entry(**fields: Any) -> AuditEntry:
    values: dict[str, Any] = {
        "action": "R",
        "interaction": "read",
        "outcome": 200,
        "actor": "u1",
        "recorded_us": T0,
        "actor_display": "Dra. Ana López",
        "fhir_user": "Practitioner/p1",
        "role": "physician",
        "organization": "clinic1",
        "client_id": "app1",
        "token_id": "jti-1",
        "resource_type": "Observation",
        "resource_id": "o1",
        "patient_id": "pat1",
        "purpose": "TREAT",
        "request_id": "req-1",
        "source_ip": "10.0.0.7",
    }
    values.update(fields)
    return AuditEntry(**values)


def stored(entries: list[AuditEntry]) -> list[dict[str, Any]]:
    """Rows as the database holds them after sealing: seq 1.., chained in seq order."""
    rows = [
        {"seq": n, **dict(zip(ENTRY_COLUMNS, e.values(), strict=True))}
        for n, e in enumerate(entries, start=1)
    ]
    for row, link in zip(rows, chain_links(0, GENESIS, rows), strict=True):
        row.update(chain_seq=link.chain_seq, prev_hash=link.prev_hash, hash=link.hash)
    return rows


@pytest.fixture
def chain() -> list[dict[str, Any]]:
    return stored([entry(recorded_us=T0 + n, resource_id=f"o{n}") for n in range(6)])


def test_hashed_columns_are_every_column_but_the_hashes() -> None:
    assert set(HASHED_COLUMNS) == {c.name for c in audit_log.columns} - {"prev_hash", "hash"}


def test_an_intact_chain_verifies(chain: list[dict[str, Any]]) -> None:
    report = verify_rows(chain)
    assert report.ok and report.checked == 6
    assert (report.head_position, report.head_hash) == (6, chain[-1]["hash"])
    assert chain[0]["prev_hash"] == GENESIS and chain[1]["prev_hash"] == chain[0]["hash"]


@pytest.mark.parametrize("column", [c for c in HASHED_COLUMNS if c != "chain_seq"])
def test_changing_any_field_of_a_sealed_row_is_caught(
    chain: list[dict[str, Any]], column: str
) -> None:
    row = chain[3]
    old = row[column]
    row[column] = old + 1 if isinstance(old, int) else ("x" if old is None else old + "x")
    report = verify_rows(chain)
    assert not report.ok and report.broken_position == 4 and report.checked == 3
    assert "hash mismatch" in (report.problem or "")


def test_null_and_empty_string_hash_differently(chain: list[dict[str, Any]]) -> None:
    assert chain[0]["reason"] is None
    changed = {**chain[0], "reason": ""}
    assert entry_hash(GENESIS, changed) != chain[0]["hash"]


def test_a_deleted_row_is_caught(chain: list[dict[str, Any]]) -> None:
    del chain[2]
    report = verify_rows(chain)
    assert not report.ok and report.broken_position == 4
    assert "position 3 is missing" in (report.problem or "")


def test_deleting_the_first_row_is_caught(chain: list[dict[str, Any]]) -> None:
    report = verify_rows(chain[1:])
    assert not report.ok and "position 1 is missing" in (report.problem or "")


def test_swapped_rows_are_caught(chain: list[dict[str, Any]]) -> None:
    a, b = chain[1], chain[2]
    a["chain_seq"], b["chain_seq"] = b["chain_seq"], a["chain_seq"]
    chain[1], chain[2] = b, a
    report = verify_rows(chain)
    assert not report.ok and report.broken_position == 2
    assert "prev_hash does not match" in (report.problem or "")


def test_an_inserted_row_with_a_valid_own_hash_is_caught(chain: list[dict[str, Any]]) -> None:
    """A forger renumbers the positions after the row and hashes it onto its predecessor: the
    next row's link (and every renumbered row's hash) no longer matches."""
    forged = {**chain[2], "seq": 99, "actor": "intruder"}
    forged["prev_hash"] = chain[2]["hash"]
    forged["chain_seq"] = 4
    forged["hash"] = entry_hash(forged["prev_hash"], forged)
    for row in chain[3:]:
        row["chain_seq"] += 1
    tampered = [*chain[:3], forged, *chain[3:]]
    report = verify_rows(tampered)
    assert not report.ok and report.broken_position == 5 and report.checked == 4


def test_anchors_catch_a_truncated_or_recomputed_chain(chain: list[dict[str, Any]]) -> None:
    anchors = {6: chain[-1]["hash"]}
    assert verify_rows(chain, anchors).ok
    truncated = verify_rows(chain[:4], anchors)
    assert not truncated.ok and "deleted from the end" in (truncated.problem or "")
    rewritten = stored([entry(recorded_us=T0 + n, resource_id=f"z{n}") for n in range(6)])
    report = verify_rows(rewritten, anchors)  # a consistent chain, but not the one anchored
    assert not report.ok and report.broken_position == 6 and "anchor" in (report.problem or "")


def test_rows_sealed_long_after_their_time_are_listed_as_late() -> None:
    rows = stored(
        [
            entry(recorded_us=T0),
            entry(recorded_us=T0 + 2 * LATE_AFTER_US),
            entry(recorded_us=T0 + 1000),  # back-dated, or a very long transaction
            entry(recorded_us=T0 + 2 * LATE_AFTER_US + 5),
        ]
    )
    report = verify_rows(rows)
    assert report.ok and report.late_count == 1 and report.late == [3]


def test_parse_anchor() -> None:
    assert parse_anchor("12:" + "AB" * 32) == (12, "ab" * 32)
    with pytest.raises(ValueError):
        parse_anchor("12-abc")


def test_entry_refuses_an_unknown_action() -> None:
    with pytest.raises(ValueError):
        entry(action="read")


def test_entry_of_an_access_and_one_per_search_hit() -> None:
    access = Access(
        "u2",
        "user",
        parse_scopes("user/*.rs"),
        role="nurse",
        organization="org9",
        fhir_user="Practitioner/n2",
        purpose="ETREAT",
        reason="unconscious patient",
        token_id="jti-9",
    )
    search = AuditEntry.of(
        access,
        action="search",
        interaction="search-type",
        outcome=200,
        recorded_us=T0,
        resource_type="Observation",
        query="code=1234-5",
    )
    assert (search.actor, search.role, search.purpose, search.token_id) == (
        "u2",
        "nurse",
        "ETREAT",
        "jti-9",
    )
    found = hits(search, [("Observation", "o1", "p1"), ("Observation", "o2", "p2")])
    assert [(h.resource_id, h.patient_id, h.query) for h in found] == [
        ("o1", "p1", "code=1234-5"),
        ("o2", "p2", "code=1234-5"),
    ]


def test_login_steps_keep_the_reason_but_never_an_unknown_username() -> None:
    wrong = LoginAttempt("my-password-typed-here", None, "password", "unknown-user", T0)
    failed = login_entry(wrong, source_ip="10.9.8.7")
    assert (failed.actor, failed.outcome, failed.reason) == (
        "unknown-user",
        401,
        "password: unknown-user",
    )
    assert "my-password" not in repr(failed)
    passed = login_entry(LoginAttempt("ana", "u1", "totp", "success", T0 + 5))
    assert (passed.actor, passed.outcome, passed.action, passed.recorded_us) == (
        "u1",
        200,
        "login",
        T0 + 5,
    )


# FHIR AuditEvent rendering


@pytest.fixture(scope="module")
def defs() -> FhirDefinitions:
    return load_definitions()


def event_of(**fields: Any) -> dict[str, Any]:
    return to_audit_event(stored([entry(**fields)])[0])


CASES = {
    "read": {},
    "search hit": {"action": "search", "interaction": "search-type", "query": "code=x&_count=5"},
    "create refused": {"action": "C", "interaction": "create", "outcome": 403},
    "server error": {"action": "U", "interaction": "update", "outcome": 500},
    "login": {
        "action": "login",
        "interaction": "login",
        "outcome": 401,
        "resource_type": None,
        "resource_id": None,
        "patient_id": None,
        "fhir_user": None,
        "client_id": None,
    },
    "export": {
        "action": "export",
        "interaction": "$export",
        "resource_type": "Patient",
        "resource_id": None,
        "query": "_type=Observation",
    },
    "backend service": {"actor": "app1", "fhir_user": None, "role": None, "organization": None},
    "break-glass": {"purpose": "ETREAT", "reason": "unconscious, allergy check"},
    "patient reads own record": {
        "actor": "pat-user",
        "fhir_user": "Patient/pat1",
        "role": "patient",
        "resource_type": "Patient",
        "resource_id": "pat1",
    },
    "fhirUser a Person": {"fhir_user": "Person/x1"},
}


@pytest.mark.parametrize("case", list(CASES))
def test_audit_events_are_valid_fhir(defs: FhirDefinitions, case: str) -> None:
    event = event_of(**CASES[case])
    assert validate_resource(event, defs, "AuditEvent") == [], event


def test_the_validator_would_refuse_a_wrong_audit_event(defs: FhirDefinitions) -> None:
    """The check above means something: codes outside the required bindings are refused."""
    event = {**event_of(), "outcome": "1", "action": "X"}
    paths = {issue.expression for issue in validate_resource(event, defs, "AuditEvent")}
    assert paths == {"AuditEvent.outcome", "AuditEvent.action"}


def test_a_read_audit_event() -> None:
    event = event_of()
    assert event["type"]["code"] == "rest" and event["subtype"][0]["code"] == "read"
    assert (event["action"], event["outcome"], event["id"]) == ("R", "0", "1")
    assert event["recorded"] == "2026-01-01T00:00:00.000000Z"
    user, client, organization = event["agent"]
    assert user["requestor"] is True and user["who"]["reference"] == "Practitioner/p1"
    assert user["who"]["display"] == "Dra. Ana López" and user["altId"] == "u1"
    assert user["role"][0]["coding"][0]["code"] == "physician"
    assert user["purposeOfUse"][0]["coding"][0]["code"] == "TREAT"
    assert user["policy"] == ["jti-1"] and user["network"]["address"] == "10.0.0.7"
    assert client["who"]["identifier"]["value"] == "app1" and client["requestor"] is False
    assert organization["who"]["reference"] == "Organization/clinic1"
    what = [e.get("what") for e in event["entity"]]
    assert {"reference": "Observation/o1"} in what and {"reference": "Patient/pat1"} in what
    assert {"identifier": {"value": "req-1"}} in what
    assert event["source"]["observer"]["display"] == "Enlace"


def test_a_search_hit_carries_its_query_and_failures_their_outcome() -> None:
    event = event_of(**CASES["search hit"])
    assert event["action"] == "E" and event["subtype"][0]["code"] == "search-type"
    queries = [e["query"] for e in event["entity"] if "query" in e]
    assert [base64.b64decode(q).decode() for q in queries] == ["code=x&_count=5"]
    assert event_of(**CASES["create refused"])["outcome"] == "4"
    assert event_of(**CASES["server error"])["outcome"] == "8"
    login = event_of(**CASES["login"])
    assert login["type"]["code"] == "110114" and login["subtype"][0]["code"] == "110122"
    assert login["outcomeDesc"] == "HTTP 401" and "entity" in login


def test_break_glass_shows_purpose_and_reason_in_the_access_log() -> None:
    event = event_of(**CASES["break-glass"])
    assert event["purposeOfEvent"] == [
        {
            "coding": [
                {"system": event["purposeOfEvent"][0]["coding"][0]["system"], "code": "ETREAT"}
            ],
            "text": "unconscious, allergy check",
        }
    ]
    line = access_summary(stored([entry(**CASES["break-glass"])])[0])
    assert line["break_glass"] is True and line["why"] == "ETREAT"
    assert (line["who"], line["role"], line["organization"], line["what"]) == (
        "Dra. Ana López",
        "physician",
        "clinic1",
        "Observation/o1",
    )
    assert line["when"] == "2026-01-01T00:00:00.000000Z"
