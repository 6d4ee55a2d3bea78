"""The engagement actor (issue 16 part 5): patients get phones — a smartphone with the app, an
SMS-only phone, or none — from a seeded draw, and answer the day's delivered reminders as their
persona would, through the real code paths in the day's transaction: messaging.receive_in for
SMS, engagement.record_dose_in for app users. The phone shares and the refill effect are
assumptions (docs/simulation.md, "Engagement"); the latent responsiveness is the population's
`reminder_responsiveness`.

Bounded work per day: only the reminders delivered that day to patients with a phone.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import orjson

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us, from_epoch_us
from enlace.modules import engagement, messaging
from enlace.sim.actor import Actor, Day, World
from enlace.sim.engagement_traits import NAME, ZONE, number_of, persona_for, phone_kind
from enlace.sim.phone import answer_to

ANSWER_DELAY_MIN = (5, 120)  # minutes after delivery


class EngagementActor:
    name = NAME
    after: tuple[str, ...] = ()

    def begin(self, world: World, first_day: int, last_day: int) -> None:
        self.world = world

    def day(self, today: Day) -> None:
        if today.index == 0:  # phones are handed out once: a resumed run must not undo a BAJA
            give_phones(today)
        start = datetime.combine(today.date, time(0), ZONE)
        start_us = epoch_us(start.astimezone(UTC))
        end_us = epoch_us((start + timedelta(days=1)).astimezone(UTC))
        for sent in messaging.delivered_between(today.conn, start_us, end_us):
            index = _index(self.world, sent.patient)
            if index is not None and phone_kind(self.world, index) is not None:
                _answer(today, index, sent)


def give_phones(today: Day) -> None:
    """Every phone holder's number and express opt-in: SMS for SMS-only phones, WhatsApp for
    smartphones (reminders arrive there; the person ticks the dose in the app)."""
    world = today.world
    now_us = epoch_us(datetime.combine(today.date, time(9), ZONE).astimezone(UTC))
    for index in range(len(world.people)):
        kind = phone_kind(world, index)
        if kind is None:
            continue
        channel = "sms" if kind == "sms" else "whatsapp"
        patient = world.patient_id(index)
        messaging.set_preference(today.conn, patient, channel, number_of(world, index), now_us)
        messaging.grant(today.conn, patient, channel, "Red Enlace", "simulated signed form",
                        now_us)  # fmt: skip


def _index(world: World, patient: str) -> int | None:
    prefix = f"s{world.seed}-"
    tail = patient[len(prefix) :] if patient.startswith(prefix) else ""
    return int(tail) if tail.isdigit() and int(tail) < len(world.people) else None


def _answer(today: Day, index: int, sent: messaging.Sent) -> None:
    world = today.world
    rng = world.rng(NAME, index, sent.delivered_us, sent.template)
    persona = persona_for(world, index)
    said = answer_to("", sent.template, persona, rng)
    if said is None:
        return
    at_us = sent.delivered_us + rng.randint(*ANSWER_DELAY_MIN) * 60_000_000
    if phone_kind(world, index) == "sms":
        gid = f"sim-{world.seed}-{index}-{sent.delivered_us}"
        sms = messaging.InboundSms(gid, persona.number, said)
        messaging.receive_in(today.conn, world.services.repo, sms, at_us)
        return
    reason = orjson.loads(sent.reason or "{}")
    if sent.template != "dose-reminder" or not {"prescription", "slot"} <= reason.keys():
        return
    at = from_epoch_us(at_us).astimezone(ZONE)
    status = "taken" if said.upper().startswith("TOM") else "skipped"
    report = engagement.DoseReport(
        world.patient_id(index), reason["prescription"], at.date(), reason["slot"], status, at,
        world.patient_id(index), "app", client_id=f"sim-{index}-{sent.delivered_us}",
    )  # fmt: skip
    try:
        engagement.record_dose_in(today.conn, world.services.repo, report)
    except errors.FhirError:
        return  # a reminder for a dose that no longer exists: the person cannot tick it


ACTORS: tuple[type[Actor], ...] = (EngagementActor,)
