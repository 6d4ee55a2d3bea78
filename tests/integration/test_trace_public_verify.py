"""Verification for everyone (`public_verify.verify_link`, `GET /01/...`) and the pharmacist's
`POST /trace/verify`, on SQLite and PostgreSQL: every verdict, the coarse custody, the recall,
an inclusion proof that verifies offline, content negotiation, 404 unknown and 400 malformed."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from enlace.bootstrap import build
from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.kernel.settings import Settings
from enlace.modules.trace import log_publisher, open_checkpoint, parse_verifier
from enlace.modules.trace.epcis_capture import capture_document
from enlace.modules.trace.epcis_leaf import parse_leaf_entry
from enlace.modules.trace.errors import Gs1Error
from enlace.modules.trace.gs1 import GS1Code, datamatrix_content
from enlace.modules.trace.merkle import leaf_hash, verify_inclusion
from enlace.modules.trace.pack_state_recall import recall_lot
from enlace.modules.trace.public_verify import PublicVerification, verify_link
from enlace.security.keys import signing_key
from enlace.security.scopes import parse_scopes
from enlace.security.tokens import Grant, issue_access_token
from tests.integration.trace_epcis_support import (
    GTIN,
    LOT,
    PHARMACY,
    T0,
    commissioning,
    document,
    event,
    pack,
    reset,
)

RECALLED_LOT = "L2611R"
JSON = {"Accept": "application/json"}
WRONG_CHECK_DIGIT = GTIN[:-1] + str((int(GTIN[-1]) + 1) % 10)


def recalled_commissioning(serials: list[str]) -> dict[str, Any]:
    found = commissioning(serials, minutes=1)
    found["ilmd"] = {"cbvmda:lotNumber": RECALLED_LOT, "cbvmda:itemExpirationDate": "2027-11-30"}
    return found


def load_chain(services: Services) -> None:
    """Pack 1 dispensed, 2 in the pharmacy, 3 at the plant, 4 expired, 5 of a recalled lot."""
    reset(services)
    events = [
        commissioning(["1", "2", "3"]),
        commissioning(["4"], minutes=2, expiry="2025-12-31"),
        recalled_commissioning(["5"]),
        event("ObjectEvent", 60, "shipping", epcs=[pack("1"), pack("2")], disposition="in_transit"),
        event("ObjectEvent", 180, "receiving", epcs=[pack("1"), pack("2")], place=PHARMACY),
        event("ObjectEvent", 240, "dispensing", epcs=[pack("1")], place=PHARMACY),
    ]
    capture_document(services.db, document(*events), T0)
    with services.db.begin() as conn:
        recall_lot(conn, GTIN, RECALLED_LOT, "sub-potent batch", T0)


@pytest.fixture
def chain(services: Services) -> Iterator[Services]:
    load_chain(services)
    yield services


def check(services: Services, link: str) -> PublicVerification:
    publisher = log_publisher(services.settings)
    return verify_link(services.db, publisher, link, services.repo.clock())


def link(serial: str, lot: str | None = None, expiry: str | None = None) -> str:
    return pack(serial, lot, expiry).replace("https://id.gs1.org", "http://testserver")


def test_each_verdict_with_its_signal(chain: Services) -> None:
    answers = {serial: check(chain, pack(serial)) for serial in ("1", "2", "3", "4", "5", "99")}
    assert {s: (a.verdict.status, a.signal) for s, a in answers.items()} == {
        "1": ("already_dispensed", "amber"),
        "2": ("authentic", "green"),
        "3": ("authentic", "green"),
        "4": ("expired", "red"),
        "5": ("recalled", "red"),
        "99": ("unknown", "red"),
    }
    assert answers["5"].recall_reason == "sub-potent batch" and answers["2"].recall_reason is None
    assert not answers["99"].known and answers["99"].proof is None
    assert check(chain, pack("2", "OTHER")).verdict.status == "suspect"


def test_custody_is_coarse(chain: Services) -> None:
    custody = check(chain, pack("2")).custody
    assert custody is not None
    assert custody.facility_kind and custody.state == "Ciudad de México" and custody.authorized
    assert custody.municipality  # the municipality, never the facility's name
    assert PHARMACY not in repr(custody)


def test_the_proof_verifies_offline(chain: Services) -> None:
    result = check(chain, pack("1"))
    proof = result.proof
    assert proof is not None, result.proof_note
    verifier = parse_verifier(proof.verifier_key)
    signed = open_checkpoint(proof.checkpoint, [verifier], verifier.name)
    entry = proof.entry.encode()
    hashes = [base64.b64decode(h) for h in proof.hashes]
    verify_inclusion(leaf_hash(entry), proof.leaf_index, signed.size, hashes, signed.root_hash)
    assert proof.tree_size == signed.size == 6
    assert proof.leaf_index == 5  # the dispensing event set the pack's current state
    assert parse_leaf_entry(entry).event_hash.startswith("ni:///sha-256;")


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        (f"http://testserver/01/{WRONG_CHECK_DIGIT}/21/1", "bad-check-digit"),
        (f"http://testserver/01/{GTIN}/21/1?17=271340", "bad-date"),
        (f"http://testserver/01/{GTIN}/21/1/10/{LOT}", "qualifier-order"),
        ("http://testserver/01/12/21/1", "bad-length"),
    ],
)
def test_malformed_links_raise_the_parsers_reason(chain: Services, uri: str, code: str) -> None:
    with pytest.raises(Gs1Error) as caught:
        check(chain, uri)
    assert caught.value.code == code


# -- HTTP: the page and its JSON ----------------------------------------------------------------


@pytest.fixture
def web(chain: Services, client: TestClient) -> TestClient:
    return client


@pytest.mark.parametrize(
    ("serial", "status", "verdict", "signal"),
    [
        ("2", 200, "authentic", "green"),
        ("1", 200, "already_dispensed", "amber"),
        ("5", 200, "recalled", "red"),
        ("4", 200, "expired", "red"),
        ("99", 404, "unknown", "red"),
    ],
)
def test_json_answers(web: TestClient, serial: str, status: int, verdict: str, signal: str) -> None:
    answer = web.get(link(serial), headers=JSON)
    assert answer.status_code == status
    body = answer.json()
    assert (body["status"], body["signal"]) == (verdict, signal)
    assert "Accept" in answer.headers["vary"]
    if status == 200:
        assert body["inclusionProof"]["treeSize"] == 6 and body["lastCustody"]["state"]
        assert body["product"] and body["expiry"]
    assert body["recalled"] is (verdict == "recalled")


def test_page_in_spanish_and_english(web: TestClient) -> None:
    page = web.get(link("2", LOT, "271130"))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'data-status="authentic"' in page.text and "Auténtico: puede usarse" in page.text
    assert "verdict-green" in page.text and "Señal: Verde" in page.text
    assert 'id="leaf-index">5' not in page.text  # pack 2's latest event is the receiving one
    english = web.get(link("2"), params={"lang": "en"})
    assert "Authentic: safe to use" in english.text and 'lang="en"' in english.text


def test_page_for_a_dispensed_recalled_and_unknown_pack(web: TestClient) -> None:
    assert "Auténtico, ya entregado" in web.get(link("1")).text
    recalled = web.get(link("5"))
    assert (
        "Retirado del mercado: no lo use" in recalled.text and "sub-potent batch" in recalled.text
    )
    unknown = web.get(link("99"))
    assert unknown.status_code == 404
    assert "No auténtico o desconocido" in unknown.text and "COFEPRIS" in unknown.text


def test_malformed_link_is_400_with_the_reason(web: TestClient) -> None:
    bad = f"http://testserver/01/{GTIN}/21/1?17=271340"
    page = web.get(bad)
    assert page.status_code == 400 and "El código no se pudo leer" in page.text
    assert "271340" in page.text  # the parser's reason names the date
    outcome = web.get(bad, headers=JSON)
    assert outcome.status_code == 400
    assert outcome.json()["issue"][0]["diagnostics"].startswith("bad-date")


def test_a_link_that_is_no_uri_is_malformed(chain: Services) -> None:
    with pytest.raises(Gs1Error) as caught:  # a Host header of "[::1" would build this
        check(chain, f"http://[::1/01/{GTIN}/21/2")
    assert caught.value.code == "bad-uri"


def test_short_names_and_escaped_serials_resolve(web: TestClient) -> None:
    assert web.get(f"/gtin/{GTIN}/ser/2", headers=JSON).json()["status"] == "authentic"
    assert web.get(f"/01/{GTIN}/21/A%2FB", headers=JSON).json()["serial"] == "A/B"


# -- the pharmacist's POST /trace/verify -------------------------------------------------------


@pytest.fixture
def secured(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Services]]:
    settings = Settings.from_env(
        database_url=database_url, var_dir=tmp_path / "var", log_requests=False, auth_enabled=True
    )
    services = build(settings)
    load_chain(services)
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client, services
    services.db.dispose()


def bearer(services: Services, role: str) -> dict[str, str]:
    grant = Grant("u1", "app", parse_scopes("user/*.rs"), role=role)
    key = signing_key(services.settings)
    token = issue_access_token(key, grant, audience="http://testserver/fhir", now=datetime.now(UTC))
    return {"Authorization": f"Bearer {token.token}"}


def test_pharmacist_verify(secured: tuple[TestClient, Services]) -> None:
    client, services = secured
    scan = datamatrix_content(GS1Code(GTIN, lot=LOT, serial="2", expiry="271130"))
    pharmacist = bearer(services, "pharmacist")
    answer = client.post("/trace/verify", json={"code": scan}, headers=pharmacist)
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "authentic" and body["mayDispense"] and body["lot"] == LOT
    statuses = {
        serial: client.post(
            "/trace/verify", json={"code": pack(serial)}, headers=pharmacist
        ).json()["status"]
        for serial in ("1", "5", "99")
    }
    assert statuses == {"1": "already_dispensed", "5": "recalled", "99": "unknown"}
    garbage = client.post("/trace/verify", json={"code": "]d2garbage"}, headers=pharmacist)
    assert garbage.json()["status"] == "unknown"


def test_pharmacist_verify_refusals(secured: tuple[TestClient, Services]) -> None:
    client, services = secured
    body = {"code": pack("2")}
    assert client.post("/trace/verify", json=body).status_code == 401
    assert (
        client.post("/trace/verify", json=body, headers=bearer(services, "patient")).status_code
        == 403
    )
    admin = bearer(services, "administrator")
    assert client.post("/trace/verify", json=body, headers=admin).status_code == 200
    assert client.post("/trace/verify", json={"code": 7}, headers=admin).status_code == 400
    assert client.post("/trace/verify", content=b"{", headers=admin).status_code == 400
    # The public page needs no token, even with auth on.
    assert client.get(link("2"), headers=JSON).json()["status"] == "authentic"
