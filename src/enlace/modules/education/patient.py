"""Patient education deliveries: scheduled (a condition's sequence) or triggered (an event), sent
through the messaging outbox, and followed (opened, finished, quiz).

Sending goes through messaging's public `enqueue_many` in the caller's transaction, so consent,
the channel preference, quiet hours and frequency caps are messaging's to apply: education
messages have their own kind, capped at EDUCATION_CAP (one a local day, two in seven days).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from enlace.kernel import errors
from enlace.modules import messaging

from .content import Catalogue, Item, catalogue
from .domain import delivery_id, due_times, link_token
from .tables import education_deliveries as table

TEMPLATE = "education-item"
KIND = "education"
EDUCATION_CAP = (1, 2)  # per local day, per rolling seven days
EVENTS = {  # trigger -> (condition, stage) of the items it sends
    "hypoglycaemia": ("t2d", "after-hypoglycaemia"),
    "insulin": ("t2d", "starting-insulin"),
    "infusion": ("biologic", "before-infusion"),
}
REPEAT_AFTER_US = 30 * 24 * 3600 * 1_000_000  # an event's item is not resent within 30 days
MARKS = ("opened", "finished", "quiz")


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str
    patient: str
    item: str
    trigger: str
    cause: str
    due_us: int
    status: str
    outcome: str | None
    opened_us: int | None
    finished_us: int | None
    quiz_correct: bool | None


def policy() -> messaging.Policy:
    base = messaging.DEFAULT_POLICY
    return dataclasses.replace(base, caps={**base.caps, KIND: EDUCATION_CAP})


def schedule_sequence(
    conn: Connection,
    patient: str,
    condition: str,
    stage: str,
    start_us: int,
    cause: str,
    now_us: int,
    trigger: str = "care-plan",
) -> list[str]:
    """The (condition, stage) sequence for the patient from `start_us`; the ids of new rows."""
    items = catalogue().sequence(condition, stage)
    rows = [
        _row(patient, item, trigger, cause, due, now_us)
        for item, due in due_times(start_us, items, now_us)
    ]
    return _insert_new(conn, rows)


def trigger(conn: Connection, patient: str, event: str, cause: str, now_us: int) -> list[str]:
    """The items an event sends, due now; none when the same item went to the patient within
    the last 30 days (two alerts in a week are one lesson, not two)."""
    if event not in EVENTS:
        raise errors.bad_request(f"Unknown education trigger '{event}'", "event")
    condition, stage = EVENTS[event]
    items = catalogue().sequence(condition, stage)
    recent = _recent_items(conn, patient, now_us - REPEAT_AFTER_US)
    rows = [
        _row(patient, item, event, cause, now_us + item.week * 7 * 86_400_000_000, now_us)
        for item in items
        if item.id not in recent
    ]
    return _insert_new(conn, rows)


def send_due(
    conn: Connection,
    now_us: int,
    base_url: str,
    key: bytes,
    sender: str = "Red Enlace",
    limit: int = 5000,
) -> dict[str, int]:
    """Queue the due items through messaging (one batch); counts by resulting status."""
    c = table.c
    due = conn.execute(
        select(c.id, c.patient, c.item)
        .where(c.status == "scheduled", c.due_us <= now_us)
        .order_by(c.due_us, c.id)
        .limit(limit)
    ).all()
    if not due:
        return {}
    items = catalogue().items
    requests = [
        _request(row.id, row.patient, items[row.item], base_url, sender, key) for row in due
    ]
    answers = messaging.enqueue_many(conn, requests, now_us, policy())
    counts: dict[str, int] = {}
    for row, answer in zip(due, answers, strict=True):
        conn.execute(
            update(table)
            .where(c.patient == row.patient, c.id == row.id)  # the key: one shard on Citus
            .values(status=answer.status, message_id=answer.id, outcome=answer.outcome)
        )
        counts[answer.status] = counts.get(answer.status, 0) + 1
    return counts


def mark(
    conn: Connection, delivery: str, what: str, now_us: int, answer: int | None = None
) -> Delivery:
    """The patient opened the page, finished it, or answered its quiz (first time counts for
    opened/finished; the latest answer counts for the quiz)."""
    found = get(conn, delivery)
    if found is None:
        raise errors.not_found(f"No education delivery '{delivery}'")
    if what not in MARKS:
        raise errors.bad_request(f"mark must be one of {', '.join(MARKS)}", "mark")
    values: dict[str, object] = {}
    if found.opened_us is None:
        values["opened_us"] = now_us
    if what in ("finished", "quiz") and found.finished_us is None:
        values["finished_us"] = now_us
    if what == "quiz":
        values["quiz_correct"] = _quiz_correct(catalogue(), found.item, answer)
    if values:
        key = (table.c.patient == found.patient, table.c.id == delivery)
        conn.execute(update(table).where(*key).values(**values))
    result = get(conn, delivery)
    assert result is not None
    return result


def get(conn: Connection, delivery: str) -> Delivery | None:
    row = conn.execute(select(table).where(table.c.id == delivery)).mappings().first()
    return _delivery(row) if row else None


def deliveries_of(conn: Connection, patient: str) -> list[Delivery]:
    query = select(table).where(table.c.patient == patient).order_by(table.c.due_us, table.c.id)
    return [_delivery(row) for row in conn.execute(query).mappings()]


def _quiz_correct(content: Catalogue, item_id: str, answer: int | None) -> bool:
    item = content.items.get(item_id)
    if item is None or item.quiz is None:
        raise errors.bad_request(f"Item '{item_id}' has no quiz", "answer")
    if answer is None or not 0 <= answer < len(item.quiz.options):
        raise errors.bad_request("answer must be one of the quiz's options", "answer")
    return answer == item.quiz.answer


def _request(
    delivery: str, patient: str, item: Item, base_url: str, sender: str, key: bytes
) -> messaging.MessageRequest:
    link = f"{base_url.rstrip('/')}/learn/{item.id}?d={link_token(key, delivery)}"
    params = {"sender": sender, "lesson_es": item.message.es, "lesson_en": item.message.en}
    return messaging.MessageRequest(
        patient,
        TEMPLATE,
        {**params, "link": link},
        f"education:{delivery}",
        {"education": delivery, "item": item.id},
    )


def _row(
    patient: str, item: Item, trigger: str, cause: str, due_us: int, now_us: int
) -> dict[str, object]:
    return {
        "id": delivery_id(patient, item.id, cause),
        "patient": patient,
        "item": item.id,
        "trigger": trigger,
        "cause": cause,
        "due_us": due_us,
        "status": "scheduled",
        "created_us": now_us,
    }


def _insert_new(conn: Connection, rows: list[dict[str, object]]) -> list[str]:
    if not rows:
        return []
    c = table.c
    patients, ids = {str(r["patient"]) for r in rows}, {str(r["id"]) for r in rows}
    # Named by patient too, so the check reads the patient's shard only (callers pass one).
    query = select(c.patient, c.id).where(c.patient.in_(patients), c.id.in_(ids))
    existing = {(row.patient, row.id) for row in conn.execute(query)}
    fresh = [r for r in rows if (r["patient"], r["id"]) not in existing]
    if fresh:
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        # The conflict target is the table's whole key, (patient, id) since migration 0040 (a
        # target that is not a unique key is an error on both stores). Two job runs that race
        # past the check above write each delivery once.
        insert = dialect_insert(table).on_conflict_do_nothing(index_elements=["patient", "id"])
        conn.execute(insert, fresh)
    return [str(r["id"]) for r in fresh]


def _recent_items(conn: Connection, patient: str, since_us: int) -> set[str]:
    c = table.c
    query = select(c.item).where(c.patient == patient, c.created_us >= since_us)
    return set(conn.execute(query).scalars())


def _delivery(row: object) -> Delivery:
    return Delivery(**{f.name: row[f.name] for f in dataclasses.fields(Delivery)})  # type: ignore[index]
