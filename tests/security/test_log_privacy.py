"""No PHI, credentials or tokens in the application log (ASVS V7.1.1, V7.1.2): with the JSON
log on (kernel/logging.py) and request logging on, requests that carry a CURP in a query string,
a patient's name in a search, a password at sign-in, a bearer token and an SMS body leave
none of those values in the captured log text. The log is read as the process writes it
(configure_logging: JSON lines on stderr), and the test first checks that requests were logged at
all, so an empty log cannot pass it."""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import sys
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.kernel.logging import URL_LOGGING_LIBRARIES, configure_logging
from enlace.modules import messaging
from enlace.modules.messaging import gateway
from enlace.security.keys import signing_key
from enlace.security.roles import ceiling
from enlace.security.tokens import Grant, issue_access_token
from tests.integration.education.support import NOON, opted_in_patient
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

CURP = "LOGA800101MDFRRN09"
NAME = "Xochiquetzal"
PASSWORD_TRIED = "azotea-morada-con-nopales"
SMS_TEXT = f"GLU 187 soy {NAME}"
PHONE = "+525512345678"

__all__ = ["cheap_hasher"]  # the fixture, imported for its effect


@pytest.fixture
def log_text(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], str]]:
    """The process's own log configuration (configure_logging: JSON to stderr), read back."""
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)  # the handler binds the stream it finds
    root = logging.getLogger()
    kept = (root.handlers[:], root.level)
    libraries = {name: logging.getLogger(name).level for name in URL_LOGGING_LIBRARIES}
    configure_logging("INFO")  # the production level
    yield stderr.getvalue
    root.handlers[:], level = kept
    root.setLevel(level)
    for name, was in libraries.items():
        logging.getLogger(name).setLevel(was)


@pytest.fixture
def client(services: Services, cheap_hasher: None) -> Iterator[TestClient]:
    services.settings = dataclasses.replace(services.settings, auth_enabled=True, log_requests=True)
    with TestClient(create_app(services), base_url="http://testserver") as test_client:
        yield test_client


def bearer(services: Services) -> str:
    grant = Grant("u-doc", "app", ceiling("physician", None), role="physician")
    key = signing_key(services.settings)
    now = services.repo.clock()
    return issue_access_token(key, grant, audience="http://testserver/fhir", now=now).token


def fhir_searches(client: TestClient, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    for query in (
        f"identifier=urn:curp|{CURP}",
        f"name={NAME}",
        f"family:exact={NAME}&_sort=bogus-{CURP}",  # a refused search (400) echoes nothing either
    ):
        answer = client.get(f"/fhir/Patient?{query}", headers=auth)
        assert answer.status_code in (200, 400), answer.text
    assert client.get(f"/fhir/Patient?name={NAME}").status_code == 401  # no token


def web_steps(client: TestClient, services: Services) -> None:
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert csrf is not None
    form = {"username": "ana.lopez", "password": PASSWORD_TRIED, "csrf": csrf.group(1)}
    assert client.post("/login", data=form).status_code == 401  # unknown user
    sign_in_as(services, client, "dra.log", "physician")
    assert client.get("/patients", params={"q": CURP}).status_code == 200
    assert client.get("/patients", params={"q": NAME}).status_code == 200


def sms_inbound(client: TestClient, services: Services) -> None:
    patient = opted_in_patient(services)
    with services.db.begin() as conn:
        messaging.set_preference(conn, patient, "sms", PHONE, NOON)
    body = f"from=%2B525512345678&text={SMS_TEXT.replace(' ', '+')}&id=m-log-1".encode()
    secret = gateway.gateway_secret(services.settings.secret_key)
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        **gateway.signed_headers(secret, body, int(services.repo.clock().timestamp())),
    }
    assert client.post("/messaging/sms/inbound", content=body, headers=headers).status_code == 200


def test_identifiers_passwords_tokens_and_texts_stay_out_of_the_log(
    client: TestClient, services: Services, log_text: Callable[[], str]
) -> None:
    token = bearer(services)
    fhir_searches(client, token)
    web_steps(client, services)
    sms_inbound(client, services)
    written = log_text()
    assert '"msg":"request"' in written and "/fhir/Patient" in written  # requests were logged
    assert "login step" in written  # and the sign-in attempt
    for secret in (CURP, NAME, PASSWORD_TRIED, token, token.split(".")[2], SMS_TEXT, PHONE):
        assert secret not in written, f"{secret[:12]}… is in the log"
