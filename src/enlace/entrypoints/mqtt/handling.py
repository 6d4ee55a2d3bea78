"""Handling one MQTT message: the retry policy shared by the subscriber's worker thread and its
worker processes (workers.py). See subscriber.py for the delivery guarantee it serves."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from sqlalchemy.exc import DBAPIError

from enlace.kernel import errors

log = logging.getLogger("enlace.ingest.mqtt")

Handle = Callable[[str, bytes], object]
"""Ingest one message (device id from the topic, the raw payload) and commit it."""

RETRY_FIRST = 0.1  # seconds; the delay doubles up to RETRY_MAX while the database is unavailable
RETRY_MAX = 5.0
BUG_ATTEMPTS = 5  # an unexpected error is retried this often, then the message is logged and acked


class _Stopping(Protocol):
    def wait(self, timeout: float | None = None) -> bool: ...


def handle_with_retries(handle: Handle, device: str, payload: bytes, stopping: _Stopping) -> bool:
    """Handle one message; True once it is committed or refused for good, False if `stopping`
    was set while the database was away (then it must not be acked)."""
    delay, bug_attempts = RETRY_FIRST, 0
    while True:
        try:
            handle(device, payload)
            return True
        except errors.FhirError as exc:
            # Refused input: ingestion stored it in monitoring_rejects; retrying cannot help.
            log.warning("message from device %s refused: %s", device, _issues(exc))
            return True
        except DBAPIError as exc:
            log.warning("database unavailable (%s); retrying in %.1f s", _first_line(exc), delay)
        except Exception:
            bug_attempts += 1
            if bug_attempts >= BUG_ATTEMPTS:
                log.exception(
                    "message from device %s failed %d times; acked and dropped: %r",
                    device,
                    bug_attempts,
                    payload[:2000],
                )
                return True
            log.exception("message from device %s failed; retrying", device)
        if stopping.wait(delay):
            return False
        delay = min(delay * 2, RETRY_MAX)


def _issues(exc: errors.FhirError) -> str:
    return "; ".join(
        f"{issue.diagnostics}" + (f" at {issue.expression}" if issue.expression else "")
        for issue in exc.issues[:5]
    )


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
