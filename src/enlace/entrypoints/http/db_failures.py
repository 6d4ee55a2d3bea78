"""What a client is told when the database fails under a request (issue 17, fault tests).

A lost connection (PostgreSQL restarting, a network cut, SQLite's busy timeout) is passing: 503
with `Retry-After` and a `transient` OperationOutcome; the request was rolled back, unless the
commit itself went through and only its answer was lost, so clients retry writes conditionally
(If-None-Exist, If-Match). A full disk (SQLite's SQLITE_FULL, PostgreSQL's SQLSTATE 53100) is not passing
by itself: 507 Insufficient Storage, so an operator is paged rather than clients retrying in a
loop; the write was rolled back whole, and reads keep being served.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, OperationalError

from enlace.kernel import errors
from enlace.kernel.logging import request_id_var

log = logging.getLogger("enlace.http")
OUTCOME_TYPE = "application/fhir+json"

RETRY_AFTER_S = 5
_PG_DISK_FULL = "53100"


def is_disk_full(exc: BaseException) -> bool:
    original = getattr(exc, "orig", exc)
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        return code == sqlite3.SQLITE_FULL or "disk is full" in str(original)
    return getattr(original, "sqlstate", None) == _PG_DISK_FULL


def database_failure(exc: DBAPIError, request_id: str) -> errors.FhirError:
    """The OperationOutcome error for a database failure (an OperationalError)."""
    if is_disk_full(exc):
        return errors.error(
            507,
            "exception",
            f"The server's storage is full; nothing was written; request id {request_id}",
        )
    away = errors.error(
        503, "transient", f"The database is unavailable; send again; request id {request_id}"
    )
    away.headers["Retry-After"] = str(RETRY_AFTER_S)
    return away


def register(app: FastAPI) -> None:
    """Pages and JSON routes outside /fhir answer the same way (the FHIR adapter catches its own)."""

    async def answer(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, OperationalError)
        request_id = request_id_var.get() or uuid.uuid4().hex
        log.exception("database unavailable", exc_info=exc)
        failure = database_failure(exc, request_id)
        return JSONResponse(
            failure.outcome(), failure.status, failure.headers, media_type=OUTCOME_TYPE
        )

    app.add_exception_handler(OperationalError, answer)
