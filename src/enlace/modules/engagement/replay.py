"""The app's uploads are idempotent by client id: a resent item gets the answer it got first; a
client id reused for different content is a 409 (doses and readings keep their own logs).

A client id is the patient's: the log tables are keyed by (patient, client_id) (migration 0040),
so the lookup names the patient first and is one index probe on the patient's shard (on Citus a
lookup by client id alone would ask every shard). Another patient's entry under the same client
id is never read: for this patient the id is new, and its item is written as its own entry (a
client id is a UUID the phone makes; two patients sharing one are two independent entries)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, Table, select

from enlace.kernel import errors


def logged_answer(
    conn: Connection, log: Table, patient: str, client_id: str, digest: str, what: str
) -> dict[str, Any] | None:
    """The answer already given to `patient`'s `client_id` in `log`, or None when it is new."""
    t = log.c
    query = select(t.digest, t.answer).where(t.patient == patient, t.client_id == client_id)
    row = conn.execute(query).first()
    if row is None:
        return None
    if row.digest != digest:
        raise errors.error(409, "conflict", f"this client id was used for another {what}",
                           "clientId")  # fmt: skip
    found: dict[str, Any] = orjson.loads(row.answer)
    return found
