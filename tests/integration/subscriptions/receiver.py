"""A real HTTP receiver for rest-hook tests: a local server thread that records every POST
and answers what the test scripts (a status per request, or a delay)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson


@dataclass
class Receiver:
    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # statuses to answer next, then 200
    statuses: list[int] = field(default_factory=list)  # every answer given, in order
    delay_s: float = 0.0
    fail_every: int = 0  # answer 500 to every n-th request (0: never)

    def kinds(self) -> list[str]:
        return [notification_type(b) for b in self.received]

    def foci(self) -> list[list[str]]:
        """Per bundle, the focus references of its events."""
        return [focus_of(b) for b in self.received]


def notification_type(bundle: dict[str, Any]) -> str:
    status = bundle["entry"][0]["resource"]
    return next(p["valueCode"] for p in status["parameter"] if p["name"] == "type")


def focus_of(bundle: dict[str, Any]) -> list[str]:
    status = bundle["entry"][0]["resource"]
    found = []
    for parameter in status["parameter"]:
        if parameter["name"] == "notification-event":
            for part in parameter["part"]:
                if part["name"] == "focus":
                    found.append(part["valueReference"]["reference"])
    return found


@contextmanager
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if state.delay_s:
                time.sleep(state.delay_s)
            with lock:
                status = state.answers.pop(0) if state.answers else 200
                if state.fail_every and (len(state.statuses) + 1) % state.fail_every == 0:
                    status = 500
                state.statuses.append(status)
                if status < 300:
                    state.received.append(orjson.loads(body))
                    state.headers.append(dict(self.headers.items()))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
