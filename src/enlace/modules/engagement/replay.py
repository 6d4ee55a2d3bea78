"""The app's uploads are idempotent by client id: a resent item gets the answer it got first; a
client id reused for different content is a 409 (doses and readings keep their own logs)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, Table, select

from enlace.kernel import errors


def logged_answer(
    conn: Connection, log: Table, client_id: str, digest: str, what: str
) -> dict[str, Any] | None:
    """The answer already given to `client_id` in `log`, or None when it is new."""
    t = log.c
    row = conn.execute(select(t.digest, t.answer).where(t.client_id == client_id)).first()
    if row is None:
        return None
    if row.digest != digest:
        raise errors.error(409, "conflict", f"this client id was used for another {what}",
                           "clientId")  # fmt: skip
    found: dict[str, Any] = orjson.loads(row.answer)
    return found
