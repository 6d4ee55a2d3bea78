"""`enlace registry receive | inbox`: a small stand-in for a national disease registry, so the
demo (and anyone trying the registries) has an endpoint that receives the cases by subscription.

It is a separate process on purpose: the registry is another institution's system, and the
platform's deliverer (a worker thread or `enlace subscriptions deliver`) posts to it over HTTP
as it would to the real one; a server never calls itself inside a request.

    enlace registry receive --dir var/registry-inbox [--port 8479] [--token-file F]
        POST /registry/{name} with `Authorization: Bearer <token>` (the token is read from
        --token-file, made there at random when absent); each notification Bundle is stored as
        <dir>/<name>/<n>.json. 401 without the token, 404 elsewhere, 400 when the body is not a
        Bundle, 413 over 10 MB. The bound port is written to <dir>/port once it listens.
    enlace registry inbox --dir var/registry-inbox
        per registry: notifications kept, cases (distinct Conditions) received, per institution.
"""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Annotated, Any

import typer

MAX_BODY = 10 * 1024 * 1024
PATH = re.compile(r"^/registry/([a-z][a-z0-9-]{0,31})$")


def token_of(path: Path) -> str:
    """The receiver's bearer token, made (and kept) in `path` the first time."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"demo-registry-{secrets.token_urlsafe(16)}\n", encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def make_server(directory: Path, token: str, port: int = 0) -> ThreadingHTTPServer:
    """The receiving server (not yet serving), bound to 127.0.0.1:`port` (0: any free port)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            found = PATH.match(self.path)
            if found is None:
                return self._answer(404, "no such registry inbox")
            if self.headers.get("Authorization", "") != f"Bearer {token}":
                return self._answer(401, "missing or wrong bearer token")
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return self._answer(413, "body over 10 MB")
            try:
                body = json.loads(self.rfile.read(length))
            except (ValueError, UnicodeDecodeError):
                return self._answer(400, "the body is not JSON")
            if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
                return self._answer(400, "the body is not a FHIR Bundle")
            _store(directory / found.group(1), body)
            return self._answer(200, "ok")

        def _answer(self, status: int, text: str) -> None:
            data = json.dumps({"status": status, "message": text}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: the inbox files are the record

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def _store(folder: Path, bundle: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(4)}-{len(list(folder.glob('*.json'))):06d}.json"
    (folder / name).write_text(json.dumps(bundle), encoding="utf-8")


def cases_received(folder: Path) -> dict[str, set[str]]:
    """Institution (Condition.meta.source) -> the Condition ids received in `folder`."""
    by_institution: dict[str, set[str]] = {}
    for file in sorted(folder.glob("*.json")):
        bundle = json.loads(file.read_text(encoding="utf-8"))
        for entry in bundle.get("entry") or []:
            resource = entry.get("resource") or {}
            if resource.get("resourceType") != "Condition":
                continue
            source = (resource.get("meta") or {}).get("source") or "unknown"
            by_institution.setdefault(source, set()).add(str(resource.get("id")))
    return by_institution


def receive_command(
    directory: Annotated[Path, typer.Option("--dir", help="Where received Bundles are kept.")],
    port: Annotated[int, typer.Option(min=0, max=65535, help="0: any free port.")] = 8479,
    token_file: Annotated[
        Path | None, typer.Option(help="Bearer token file (default <dir>/token).")
    ] = None,
) -> None:
    """Stand in for a national registry: receive case notifications until stopped."""
    token = token_of(token_file or directory / "token")
    try:
        server = make_server(directory, token, port)
    except OSError as exc:
        typer.echo(f"error: --port: cannot listen on 127.0.0.1:{port}: {exc}", err=True)
        raise typer.Exit(2) from exc
    (directory / "port").write_text(f"{server.server_address[1]}\n", encoding="utf-8")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        (directory / "port").unlink(missing_ok=True)


def inbox_command(
    directory: Annotated[Path, typer.Option("--dir", help="The receiver's directory.")],
) -> None:
    """What the stand-in registry received: notifications and cases per institution."""
    folders = sorted(p for p in directory.glob("*") if p.is_dir())
    if not folders:
        typer.echo(f"error: --dir: nothing received in {directory}", err=True)
        raise typer.Exit(2)
    for folder in folders:
        received = cases_received(folder)
        total = Counter({k: len(v) for k, v in received.items()})
        notifications = len(list(folder.glob("*.json")))
        typer.echo(f"{folder.name}\t{notifications} notification(s)\t{sum(total.values())} case(s)")
        for institution, count in sorted(total.items()):
            typer.echo(f"  {institution}\t{count}")
