"""The world of the SMS conversation tests: a live server, the same database in process (to set
up patients, consent and reminders as the platform's jobs would), and a simulated phone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from enlace.bootstrap import build
from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.kernel.settings import Settings
from enlace.modules import messaging
from enlace.modules.messaging.domain import policy_from_env
from enlace.security import users
from enlace.sim.phone import Persona, SimulatedPhone
from tests.e2e.conftest import _serve
from tests.support.postgres import fresh_database

SERVER_ENV = {"ENLACE_MESSAGING_QUIET_HOURS": "off"}  # replies at any hour of the real clock
ANYTIME = policy_from_env(SERVER_ENV)
DOCTOR = "Practitioner/pr-sms-doctor"
ORG = "Organization/org-sms-clinic"
PARAMS = {"sender": "Clínica Enlace", "name": "Luz", "medicine": "metformina"}


@dataclass
class SmsWorld:
    base: str  # http://127.0.0.1:<port>
    services: Services  # the server's database, in this process
    phone: SimulatedPhone

    def now(self) -> int:
        return epoch_us(datetime.now().astimezone())

    def enrol(self, patient: str, persona: Persona, diabetes: bool = True) -> None:
        repo = self.services.repo
        with self.services.db.begin() as conn:
            repo.update(
                conn, {"resourceType": "Practitioner", "active": True}, DOCTOR.split("/")[1]
            )
            body = {
                "resourceType": "Patient",
                "name": [{"family": "Ramírez", "given": ["Luz"]}],
                "generalPractitioner": [{"reference": DOCTOR}, {"reference": ORG}],
            }
            repo.update(conn, body, patient)
            if diabetes:
                repo.update(conn, _diabetes(patient), f"{patient}-e11")
            messaging.set_preference(conn, patient, "sms", persona.number, self.now())
            messaging.grant(conn, patient, "sms", "Clínica Enlace", "formato firmado", self.now())
        self.phone.add(persona)

    def remind(self, patient: str, template: str, key: str, **params: str) -> None:
        """Queue a reminder as the platform's jobs do, and deliver it."""
        request = messaging.MessageRequest(
            patient, template, {**PARAMS, **params}, key, {"rule": "e2e"}
        )
        with self.services.db.begin() as conn:
            queued = messaging.enqueue(conn, request, self.now(), ANYTIME)
        assert queued.status == "queued", queued
        messaging.deliver(
            self.services.db,
            self.services.repo,
            messaging.default_adapter(self.services.settings.var_dir),
            self.now(),
        )

    def wait_for(self, number: str, count: int = 1, within_s: float = 15.0) -> list[dict[str, Any]]:
        """The next `count` messages delivered to `number` (fails after `within_s`)."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + within_s
        while len(got) < count and time.monotonic() < deadline:
            got += [m for m in self.phone.received() if m["to"] == number]
            time.sleep(0.1)
        assert len(got) >= count, f"{number} got {got}"
        return got

    def nothing_for(self, number: str, wait_s: float = 2.0) -> None:
        time.sleep(wait_s)
        late = [m for m in self.phone.received() if m["to"] == number]
        assert late == [], late

    def physician_cookie(self, username: str) -> dict[str, str]:
        now = self.now()
        with self.services.db.begin() as conn:
            user = users.add_user(
                conn,
                username=username,
                password="nopal verde en la azotea",
                role="physician",
                organization=ORG.split("/")[1],
                fhir_user=DOCTOR,
                now_us=now,
            )
            token = users.start_session(conn, user, now, second_factor=False)
        return {"enlace_session": token}


def _diabetes(patient: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "E11.9"}]},
        "subject": {"reference": f"Patient/{patient}"},
    }


def serve_world(request: pytest.FixtureRequest, workdir: Path) -> Iterator[SmsWorld]:
    if request.param == "sqlite":
        yield from _world(f"sqlite:///{workdir / 'enlace.db'}", workdir)
        return
    admin: str = request.getfixturevalue("postgres_admin_url")
    with fresh_database(admin) as url:
        yield from _world(url, workdir)


def _world(url: str, workdir: Path) -> Iterator[SmsWorld]:
    for fhir_base in _serve(url, workdir, SERVER_ENV):
        settings = Settings.from_env(database_url=url, var_dir=workdir, log_requests=False)
        services = build(settings)
        secret = messaging.gateway.gateway_secret(settings.secret_key)
        phone = SimulatedPhone(fhir_base.removesuffix("/fhir"), workdir / "outbox.ndjson", secret)
        yield SmsWorld(fhir_base.removesuffix("/fhir"), services, phone)
