"""The app's uploads are idempotent by client id: a resent item gets the answer it got first; a
client id reused for different content is a 409 (doses and readings keep their own logs). A
client id is the patient's: another patient's client id is refused like reused content, without
the other patient's answer (the log is keyed by client id alone today, so it cannot be a new entry)."""

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
    rows = conn.execute(select(t.patient, t.digest, t.answer).where(t.client_id == client_id)).all()
    if not rows:
        return None
    row = next((r for r in rows if r.patient == patient), None)
    if row is None or row.digest != digest:
        raise errors.error(409, "conflict", f"this client id was used for another {what}",
                           "clientId")  # fmt: skip
    found: dict[str, Any] = orjson.loads(row.answer)
    return found
