"""Texts patients send (issue 16 part 2): `receive` one as a gateway hands it over.

In one transaction: the sender is identified by number (numbers.py); an unknown or deactivated
number is ignored — logged, nothing written, no reply. Otherwise the text is read (keywords.py),
acted on (inbound_actions.py), recorded as a FHIR Communication in the patient's record with the
reply queued in the outbox (so it is a Communication too once delivered), and the inbound row
written. A gateway that delivers the same message again (same gateway id) gets the first answer
back and nothing is done twice.

Consent and quiet hours hold for replies as for any message (the outbox's checks): after BAJA
the patient gets the one legally required confirmation (sent at once, even in quiet hours), then
silence; what they send later is still recorded (a dangerous reading still alerts). ALTA grants
the channel again, with the text as its evidence.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from enlace.kernel import errors
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

from . import inbound_actions as act
from .consent import consent_of, grant, preference_of, withdraw
from .domain import Policy, policy_from_env
from .fhir_map import inbound_communication
from .inbound_tables import conversations, inbound
from .keywords import DEFAULT_KEYWORDS, Ambiguous, Implausible, Keyword, SelfReading, parse
from .numbers import Sender, identify
from .phones import e164
from .queueing import MessageRequest, enqueue
from .tables import preferences

log = logging.getLogger(__name__)
MAX_TEXT = 1600  # ten concatenated SMS segments: more is not a text message
MAX_GATEWAY_ID = 128
SENDER_NAME = "Clínica Enlace"


@dataclass(frozen=True, slots=True)
class InboundSms:
    gateway_id: str  # the gateway's message id: a redelivery carries the same one
    sender: str  # the number as the gateway wrote it
    text: str


@dataclass(frozen=True, slots=True)
class Received:
    id: str | None  # the inbound message (None: ignored, nothing written)
    duplicate: bool
    role: str  # patient | caregiver | unknown | inactive
    intent: str
    outcome: str
    reply: str | None  # the outbox id of the reply; None: no reply


def inbound_id(gateway_id: str) -> str:
    return "sms-" + hashlib.sha256(gateway_id.encode()).hexdigest()[:32]


def check(sms: InboundSms) -> None:
    """400 naming the field: what no gateway would send."""
    if not sms.gateway_id.strip() or len(sms.gateway_id) > MAX_GATEWAY_ID:
        raise errors.bad_request(f"A message id of 1-{MAX_GATEWAY_ID} characters is required", "id")
    if not sms.sender.strip() or len(sms.sender) > 64:
        raise errors.bad_request("The sender's number is required (from)", "from")
    if len(sms.text) > MAX_TEXT:
        raise errors.bad_request(f"A text message holds at most {MAX_TEXT} characters", "text")


def receive(
    db: Database,
    repo: FhirRepository,
    sms: InboundSms,
    now_us: int,
    keywords: Mapping[str, tuple[str, ...]] = DEFAULT_KEYWORDS,
    policy: Policy | None = None,
) -> Received:
    """`policy`: the replies' quiet hours and caps (None: the default, or as the environment
    says, domain.policy_from_env)."""
    check(sms)
    chosen = policy or policy_from_env()
    try:
        with db.begin() as conn:
            return _receive(conn, repo, sms, now_us, keywords, chosen)
    except IntegrityError:  # the same gateway id, concurrently: the other one stands
        with db.read() as conn:
            first = _already(conn, sms.gateway_id)
        if first is None:
            raise
        return first


def receive_in(conn: Connection, repo: FhirRepository, sms: InboundSms, now_us: int) -> Received:
    """`receive` in the caller's transaction (the scenario driver's day), default keywords and
    policy; a repeated gateway id answers as the first time."""
    check(sms)
    return _receive(conn, repo, sms, now_us, DEFAULT_KEYWORDS, policy_from_env())


def _already(conn: Connection, gateway_id: str) -> Received | None:
    row = conn.execute(select(inbound).where(inbound.c.gateway_id == gateway_id)).first()
    if row is None:
        return None
    return Received(row.id, True, row.role, row.intent, row.outcome, row.reply)


def _receive(
    conn: Connection,
    repo: FhirRepository,
    sms: InboundSms,
    now_us: int,
    keywords: Mapping[str, tuple[str, ...]],
    policy: Policy,
) -> Received:
    first = _already(conn, sms.gateway_id)
    if first is not None:
        return first
    number = e164(sms.sender)
    sender = identify(conn, number) if number else Sender("unknown", sms.sender)
    if sender.patient is None or sender.role not in ("patient", "caregiver"):
        log.info("text from %s number %s ignored", sender.role, _masked(sms.sender))
        return Received(None, False, sender.role, "ignored", f"ignored: {sender.role} number", None)
    patient = sender.patient
    message_id = inbound_id(sms.gateway_id)
    ctx = act.Context(conn, repo, sender, patient, message_id, now_us)
    opted_out = _opted_out(conn, patient, now_us)
    answer = _answer(ctx, sms.text, keywords, opted_out)
    reply = _queue_reply(conn, sender, message_id, answer, now_us, policy) if answer.reply else None
    repo.update(
        conn,
        inbound_communication(
            message_id,
            sms.gateway_id,
            patient,
            sender.role,
            sender.number,
            sms.text,
            answer.intent,
            now_us,
        ),
        message_id,
    )
    conn.execute(
        update(preferences).where(preferences.c.patient == patient).values(last_inbound_us=now_us)
    )
    conn.execute(
        inbound.insert().values(
            id=message_id,
            gateway_id=sms.gateway_id,
            sender=sender.number,
            raw_sender=sms.sender[:64],
            text=sms.text,
            received_us=now_us,
            patient=patient,
            role=sender.role,
            intent=answer.intent,
            outcome=answer.outcome[:200],
            reply=reply,
            communication=message_id,
        )
    )
    return Received(message_id, False, sender.role, answer.intent, answer.outcome, reply)


def _answer(
    ctx: act.Context, text: str, keywords: Mapping[str, tuple[str, ...]], opted_out: bool
) -> act.Answer:
    parsed = parse(text, keywords)
    if isinstance(parsed, Keyword) and parsed.intent in ("stop", "start"):
        return _opt_out(ctx) if parsed.intent == "stop" else _opt_in(ctx)
    answer = _act(ctx, parsed)
    if opted_out:  # recorded and acted on, but the patient asked for silence
        return act.Answer(answer.intent, answer.outcome + "; no reply: opted out", None)
    return answer


def _act(ctx: act.Context, parsed: object) -> act.Answer:
    if isinstance(parsed, SelfReading):
        return act.reading(ctx, parsed)
    if isinstance(parsed, Ambiguous):
        return act.ambiguous(ctx, parsed)
    if isinstance(parsed, Implausible):
        return act.implausible(ctx, parsed)
    if isinstance(parsed, Keyword):
        actions = {
            "taken": lambda: act.taken(ctx),
            "missed": lambda: act.missed(ctx, parsed.rest),
            "appointment": lambda: act.appointment(ctx),
            "book": lambda: act.book(ctx),
            "help": lambda: act.help_asked(ctx, parsed.rest or "AYUDA"),
            "yes": lambda: act.confirm(ctx),
        }
        return actions[parsed.intent]()
    said = getattr(parsed, "said", "")
    if said in act.MISSED_REASONS and act.pending_kind(ctx) == "why-missed":
        return act.missed_reason(ctx, act.MISSED_REASONS[said])
    return act.Answer("unreadable", "not understood: asked again", ctx.say("ask-again"))


def _opt_out(ctx: act.Context) -> act.Answer:
    preference = preference_of(ctx.conn, ctx.patient)
    channel = preference.channel if preference else "sms"
    withdrawn = withdraw(ctx.conn, ctx.patient, channel, ctx.now_us)
    row = ctx.conn.execute(
        select(conversations.c.opt_out_confirmed_us).where(conversations.c.patient == ctx.patient)
    ).first()
    if not withdrawn and row is not None and row.opt_out_confirmed_us is not None:
        return act.Answer("stop", "already opted out: silence", None)
    act.upsert_conversation(ctx.conn, ctx.patient, {"opt_out_confirmed_us": ctx.now_us})
    return act.Answer("stop", f"opted out of {channel}; confirmation sent", "opt-out-confirmation")


def _opt_in(ctx: act.Context) -> act.Answer:
    preference = preference_of(ctx.conn, ctx.patient)
    channel = preference.channel if preference else "sms"
    standing = consent_of(ctx.conn, ctx.patient, channel)
    sender = standing.sender if standing else SENDER_NAME
    evidence = f"SMS ALTA desde {ctx.sender.number} ({ctx.message_id})"
    grant(ctx.conn, ctx.patient, channel, sender, evidence, ctx.now_us)
    act.upsert_conversation(ctx.conn, ctx.patient, {"opt_out_confirmed_us": None})
    return act.Answer("start", f"opted in to {channel} again", ctx.say("opted-in"))


def _opted_out(conn: Connection, patient: str, now_us: int) -> bool:
    preference = preference_of(conn, patient)
    consent = consent_of(conn, patient, preference.channel if preference else "sms")
    return (
        consent is not None and consent.withdrawn_us is not None and consent.withdrawn_us <= now_us
    )


def _queue_reply(
    conn: Connection,
    sender: Sender,
    message_id: str,
    answer: act.Answer,
    now_us: int,
    policy: Policy,
) -> str:
    """The answer goes back to the number that texted: the patient's own channel, or the
    caregiver's phone (never the patient's phone for a caregiver's text)."""
    patient = str(sender.patient)
    reason = {"rule": "sms-reply", "inbound": message_id, "intent": answer.intent}
    reply_to = sender.number if sender.role == "caregiver" else None
    if answer.reply == "opt-out-confirmation":
        template, params = "opt-out-confirmation", {"sender": SENDER_NAME}
    else:
        template, params = "sms-reply", {"text": answer.reply or ""}
    request = MessageRequest(patient, template, params, f"reply|{message_id}", reason, reply_to)
    return enqueue(conn, request, now_us, policy).id


def _masked(number: str) -> str:
    return number[:-4].rstrip() + "****" if len(number) > 4 else "****"
