"""Queueing messages in the caller's transaction (see outbox.py for the whole life of one).

`enqueue_many` is the batched form the daily intervention job uses: a handful of queries per
500 messages (existing keys, preferences, consents, the patients' recent messages for the caps,
one multi-row insert, the result) instead of five round trips per message — on a loaded
PostgreSQL each round trip is milliseconds. `enqueue` is one request through the same path.
Within a batch the caps count the batch's own earlier messages, in request order.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from enlace.kernel import tracing

from . import domain
from .consent import consents_of, preferences_of
from .tables import outbox
from .templates import render, template

LIVE = ("queued", "sending", "delivered")  # statuses that count against a frequency cap
CHUNK = 500


@dataclass(frozen=True, slots=True)
class MessageRequest:
    patient: str  # Patient logical id
    template: str
    params: dict[str, str]
    dedupe_key: str  # the same key twice for one patient writes one message (a job run twice)
    reason: dict[str, Any] = field(default_factory=dict)
    # An SMS number to answer instead of the patient's own channel: a reply to a caregiver's
    # text goes to the caregiver's phone (the patient's consent and opt-out still govern it).
    reply_to: str | None = None


@dataclass(frozen=True, slots=True)
class Queued:
    id: str
    status: str  # queued | not-sent
    outcome: str | None  # why not sent
    not_before_us: int
    new: bool  # False: the patient's dedupe key had already been queued


Key = tuple[str, str]  # (patient, dedupe_key): what makes a request the same request


def message_id(patient: str, dedupe_key: str) -> str:
    """The message's id, from its patient and dedupe key: the same key for two patients is two
    messages (and two Communications), so the patient is part of the id."""
    return "msg-" + hashlib.sha256(f"{patient}\x1f{dedupe_key}".encode()).hexdigest()[:32]


def _key(request: MessageRequest) -> Key:
    return (request.patient, request.dedupe_key)


def enqueue(
    conn: Connection,
    request: MessageRequest,
    now_us: int,
    policy: domain.Policy = domain.DEFAULT_POLICY,
) -> Queued:
    """Write the message in the caller's transaction: queued, or not-sent with the reason."""
    return enqueue_many(conn, [request], now_us, policy)[0]


def enqueue_many(
    conn: Connection,
    requests: Sequence[MessageRequest],
    now_us: int,
    policy: domain.Policy = domain.DEFAULT_POLICY,
) -> list[Queued]:
    """`enqueue` for many requests at once; the answers are in request order. Templates and
    their fields are checked for every request before anything is written."""
    for request in requests:
        template(request.template)
    existing = _existing(conn, [_key(r) for r in requests])
    fresh = [r for r in requests if _key(r) not in existing]
    rows = _rows(conn, fresh, now_us, policy) if fresh else []
    for start in range(0, len(rows), CHUNK):
        conn.execute(_insert_new(conn), rows[start : start + CHUNK])
    mine = {(row["patient"], row["dedupe_key"]) for row in rows}
    stored = _existing(conn, list(mine)) if mine else {}
    answers = []
    for request in requests:
        key = _key(request)
        row = existing.get(key) or stored[key]
        new = key in mine and row.queued_us == now_us
        answers.append(Queued(row.id, row.status, row.outcome, row.not_before_us, new))
    return answers


def _rows(
    conn: Connection, requests: Sequence[MessageRequest], now_us: int, policy: domain.Policy
) -> list[dict[str, Any]]:
    patients = list({r.patient for r in requests})
    preferences = preferences_of(conn, patients)
    consents = consents_of(conn, patients)
    times = _live_times(conn, patients, domain.release_time(now_us, policy))
    trace_context = tracing.traceparent()  # the delivery continues the queueing request's trace
    rows: dict[Key, dict[str, Any]] = {}
    for request in requests:
        if _key(request) in rows:
            continue
        chosen = template(request.template)
        preference = _answering(preferences.get(request.patient), request.reply_to)
        channel = preference.channel if preference else None
        consent = consents.get((request.patient, channel)) if channel else None
        outcome = domain.blocked_by(preference, consent, chosen, now_us)
        send_at = domain.release_time(now_us, policy)
        if chosen.required:  # an opt-out confirmation: only a channel is needed, and now
            outcome, send_at = (domain.NO_CHANNEL if preference is None else None), now_us
        if outcome is None and chosen.kind in policy.caps:
            sent = times[(request.patient, chosen.kind)]
            if domain.over_cap(chosen.kind, send_at, sent, policy):
                outcome = domain.CAPPED
            else:
                sent.append(send_at)  # the batch's own messages count for the next ones
        language = preference.language if preference else "es-MX"
        rows[_key(request)] = {
            "id": message_id(request.patient, request.dedupe_key),
            "dedupe_key": request.dedupe_key,
            "patient": request.patient,
            "kind": chosen.kind,
            "template": chosen.name,
            "channel": channel,
            "address": preference.address if preference else None,
            "language": language,
            "text": render(request.template, request.params, language),
            "reason": orjson.dumps(request.reason).decode(),
            "status": "queued" if outcome is None else "not-sent",
            "outcome": outcome,
            "queued_us": now_us,
            "not_before_us": send_at,
            "next_attempt_us": send_at,
            "attempts": 0,
            "trace_context": trace_context,
        }
    return list(rows.values())


def _answering(preference: domain.Preference | None, reply_to: str | None) -> Any:
    """The patient's preference, or an SMS to `reply_to` in the patient's language."""
    if reply_to is None:
        return preference
    language = preference.language if preference else "es-MX"
    return domain.Preference("sms", reply_to, language)


def _existing(conn: Connection, keys: list[Key]) -> dict[Key, Any]:
    """The stored messages of `keys`, one query per chunk on the (patient, dedupe_key) unique
    key. Two separate IN lists would make the index probe every combination of patient and key
    (500 x 500 per chunk); PostgreSQL joins the pairs as two arrays (unnest: one index probe
    a pair, ~9x faster than a row-value IN list, which it plans as 500 ORs), SQLite takes
    `(patient, dedupe_key) IN (VALUES ...)`."""
    found: dict[Key, Any] = {}
    pair = tuple_(outbox.c.patient, outbox.c.dedupe_key)
    for start in range(0, len(keys), CHUNK):
        chunk = sorted(set(keys[start : start + CHUNK]))
        if conn.dialect.name == "postgresql":
            params = {"patients": [p for p, _ in chunk], "keys": [k for _, k in chunk]}
            rows = conn.execute(_PAIRS_POSTGRES, params)
        else:
            rows = conn.execute(select(outbox).where(pair.in_(chunk)))
        found.update(((row.patient, row.dedupe_key), row) for row in rows)
    return found


_PAIRS_POSTGRES = text(
    f"SELECT o.* FROM {outbox.name} o JOIN unnest(CAST(:patients AS text[]), "
    "CAST(:keys AS text[])) AS w(patient, dedupe_key) "
    "ON o.patient = w.patient AND o.dedupe_key = w.dedupe_key"
)


def _insert_new(conn: Connection) -> Any:
    """INSERT that leaves an existing (patient, dedupe key) alone (a concurrent run's stands)."""
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    return dialect_insert(outbox).on_conflict_do_nothing(index_elements=["patient", "dedupe_key"])


def _live_times(
    conn: Connection, patients: list[str], around_us: int
) -> defaultdict[tuple[str, str], list[int]]:
    """(patient, kind) -> times of the patients' live messages within a week of `around_us`."""
    c = outbox.c
    week = 7 * domain.DAY_US
    times: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
    for start in range(0, len(patients), CHUNK):
        query = select(c.patient, c.kind, c.not_before_us).where(
            c.patient.in_(patients[start : start + CHUNK]),
            c.status.in_(LIVE),
            c.not_before_us > around_us - week,
            c.not_before_us < around_us + week,
        )
        for row in conn.execute(query):
            times[(row.patient, row.kind)].append(row.not_before_us)
    return times
