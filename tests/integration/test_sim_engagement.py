"""The engagement actor: SMS-only patients get a number and consent on day 0, answer the
reminders delivered to them through messaging.receive_in, more often the more responsive they
are (seeded population); app users' phones are drawn too."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules import engagement, messaging
from enlace.modules.catalog import load_catalogs
from enlace.modules.messaging.inbound_tables import inbound
from enlace.sim.actors.engagement import EngagementActor
from enlace.sim.driver import run_scenario, scenario_world
from enlace.sim.engagement_traits import ZONE, phone_kind, refill_boost
from enlace.sim.loader import load_population
from enlace.sim.population import generate

PARAMS = {
    "dose-reminder": {"sender": "Red Enlace", "name": "Ana", "medicine": "metformina"},
    "reading-reminder": {"sender": "Red Enlace", "name": "Ana", "measure": "glucosa",
                         "example": "GLU 120"},
}  # fmt: skip


class Kept:
    name = "kept"

    def send(self, message: Any) -> None:
        pass


def test_sms_patients_answer_reminders_and_responsiveness_shows(services: Services) -> None:
    load_catalogs(services)
    load_population(services, generate(200, 5, ["CMX"]))
    run_scenario(services, 1, actors=[EngagementActor()])  # day 0: phones handed out
    world = scenario_world(services)
    sms = [i for i in range(len(world.people)) if phone_kind(world, i) == "sms"]
    app = [i for i in range(len(world.people)) if phone_kind(world, i) == "app"]
    assert sms and app and len(app) > len(sms)  # the assumed shares, seeded
    day1 = datetime.combine(world.date_of(1), time(10), ZONE).astimezone(UTC)
    at = epoch_us(day1)
    with services.db.begin() as conn:
        for i in sms:
            for template in ("dose-reminder", "reading-reminder"):
                request = messaging.MessageRequest(world.patient_id(i), template, PARAMS[template],
                                                   f"t-{template}-{i}")  # fmt: skip
                messaging.enqueue(conn, request, at)
    messaging.deliver(services.db, services.repo, Kept(), at)
    run_scenario(services, 1, actors=[EngagementActor()])
    with services.db.read() as conn:
        answered = {r.patient for r in conn.execute(select(inbound.c.patient))}
    assert answered  # replies went through the real inbound path
    responsive = sorted(sms, key=lambda i: world.people[i].latent.reminder_responsiveness)
    half = len(responsive) // 2
    low = sum(world.patient_id(i) in answered for i in responsive[:half])
    high = sum(world.patient_id(i) in answered for i in responsive[half:])
    assert high > low


def test_engaged_people_get_a_modest_refill_boost(services: Services) -> None:
    load_catalogs(services)
    load_population(services, generate(200, 5, ["CMX"]))
    world = scenario_world(services)
    boosts = [(refill_boost(world, i), i) for i in range(len(world.people))]
    assert all(0.0 <= b <= 0.10 for b, _ in boosts)
    assert all(b == 0.0 for b, i in boosts if phone_kind(world, i) is None)
    with_phone = sorted((world.people[i].latent.reminder_responsiveness, b) for b, i in boosts
                        if phone_kind(world, i) is not None)  # fmt: skip
    assert with_phone[-1][1] > with_phone[0][1]  # more responsive, larger boost


def test_app_users_tick_the_reminded_dose_in_the_app(services: Services) -> None:
    load_catalogs(services)
    load_population(services, generate(60, 5, ["CMX"]))
    run_scenario(services, 1, actors=[EngagementActor()])
    world = scenario_world(services)
    app = [i for i in range(len(world.people)) if phone_kind(world, i) == "app"]
    day1 = world.date_of(1)
    at = epoch_us(datetime.combine(day1, time(10), ZONE).astimezone(UTC))
    with services.db.begin() as conn:
        for i in app:
            rx = {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
                  "subject": {"reference": f"Patient/{world.patient_id(i)}"},
                  "medicationCodeableConcept": {"text": "Metformina"},
                  "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1,
                                                               "periodUnit": "d"}}}]}  # fmt: skip
            services.repo.update(conn, rx, f"rx-{i}")
            reason = {"prescription": f"rx-{i}", "slot": "08:00"}
            request = messaging.MessageRequest(world.patient_id(i), "dose-reminder",
                                               PARAMS["dose-reminder"], f"a-{i}", reason)  # fmt: skip
            messaging.enqueue(conn, request, at)
    messaging.deliver(services.db, services.repo, Kept(), at)
    run_scenario(services, 1, actors=[EngagementActor()])
    ticked = [
        s
        for i in app
        for s in engagement.doses_for(services.db, services.repo, world.patient_id(i), day1)
        if s.status is not None
    ]
    assert ticked and all(s.source == "app" for s in ticked)
