"""Schemathesis hooks for tests/e2e/test_fuzz_openapi.py, loaded by the `schemathesis` command
line (SCHEMATHESIS_HOOKS) in its own process.

A 5xx whose traceback is a known bug does not fail the fuzz run: it is pinned instead by a
`xfail(strict=True)` test that repeats its exact request (tests/integration/test_fuzz_findings.py),
so that the day the bug is fixed that test fails and this entry is removed. Any other 5xx fails
the run. The server logs every 500 with its request id and traceback; the hook reads that log,
so a known bug is recognised by where it breaks, not by what the request looked like.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import schemathesis

SERVER_LOG = "ENLACE_FUZZ_SERVER_LOG"
KNOWN_OUT = "ENLACE_FUZZ_KNOWN_OUT"

_OVERFLOW = ("OverflowError", "sqlalchemy.exc.DataError")  # SQLite's, then PostgreSQL's
_NUL = ("sqlalchemy.exc.DataError",)
# Where a known bug breaks (innermost Enlace frame, exception class, a word of its message) ->
# the test in tests/integration/test_fuzz_findings.py that pins it.
# Every finding of the first runs is fixed (commit 7f49f65); its regression test stays in
# tests/integration/test_fuzz_findings.py. A new one goes here with its strict-xfail test.
KNOWN_5XX: tuple[tuple[str, str, tuple[str, ...], str, str], ...] = ()
# An exception line: a dotted class name alone or before its message, at the start of the line.
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*)(:|$)")


def signature(traceback: str) -> tuple[str, str, str]:
    """(file below src/, function, exception class) of a logged traceback: its innermost Enlace
    frame and its last exception (SQLAlchemy adds [SQL: ...] and "(Background on ...)" lines)."""
    frame = ("?", "?")
    exception = "?"
    for line in traceback.strip().splitlines():
        text = line.strip()
        if text.startswith('File "') and "/src/enlace/" in text:
            path = text.split('"')[1]
            frame = ("enlace/" + path.split("/src/enlace/", 1)[1], text.rsplit(" in ", 1)[-1])
        elif (found := _EXCEPTION_LINE.match(line)) and _is_exception(found.group(1)):
            exception = found.group(1)
    return (*frame, exception)


def _is_exception(name: str) -> bool:
    # PostgreSQL adds lines such as "CONTEXT: ..."; exception classes are dotted or say so.
    return "." in name or name.endswith(("Error", "Exception"))


def pinned_by(traceback: str) -> str | None:
    where, function, exception = signature(traceback)
    for file, name, classes, words, test in KNOWN_5XX:
        if (where, function) == (file, name) and exception in classes and words in traceback:
            return test
    return None


def logged_traceback(log: Path, request_id: str) -> str | None:
    for line in log.read_text(errors="replace").splitlines():
        if request_id not in line or not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("request_id") == request_id and record.get("exc"):
            return str(record["exc"])
    return None


def known_bug(status: int, headers: dict[str, list[str]], log: Path) -> str | None:
    """The xfail test's name when this 5xx is a known bug, else None."""
    request_ids = headers.get("x-request-id") or []
    if status < 500 or not request_ids or not log.is_file():
        return None
    traceback = logged_traceback(log, request_ids[0])
    return pinned_by(traceback) if traceback else None


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    log = os.environ.get(SERVER_LOG)
    pinned = known_bug(response.status_code, response.headers, Path(log)) if log else None
    if pinned is None:
        return True  # keep the failure: it fails the run
    out = os.environ.get(KNOWN_OUT)
    if out:
        with open(out, "a", encoding="utf-8") as known:
            known.write(f"{pinned}: {case.operation.label}\n")
    return False


# A NUL, CR or LF cannot travel in a header (the HTTP client refuses to send it; uvicorn refuses
# it with a 400 in text/plain before the application runs), nor can a character beyond Latin-1.
# tests/e2e/test_attacks_wire.py sends those over a raw socket; here they leave header values
# only, and stay in queries and bodies.
_NOT_IN_HEADERS = str.maketrans("", "", "\x00\r\n")


def header_safe(value: str) -> str:
    kept = value.translate(_NOT_IN_HEADERS).encode("latin-1", "ignore").decode("latin-1")
    return kept.lstrip(" \t")  # nor may a value start with white space


@schemathesis.hook
def map_headers(context: Any, headers: Any) -> Any:
    if not isinstance(headers, dict):
        return headers
    return {
        name: header_safe(value) if isinstance(value, str) else value
        for name, value in headers.items()
    }


CSRF = "ENLACE_FUZZ_CSRF"
# Browser forms that check a CSRF token before anything else (entrypoints/web, auth_routes).
CSRF_FORMS = frozenset({"POST /login", "POST /login/totp", "POST /logout", "POST /auth/authorize"})


@schemathesis.hook
def map_body(context: Any, body: Any) -> Any:
    """A valid CSRF token in every form post, so that generated fields reach the login logic."""
    token = os.environ.get(CSRF)
    if token and isinstance(body, dict) and context.operation.label in CSRF_FORMS:
        return {**body, "csrf": token}
    return body
