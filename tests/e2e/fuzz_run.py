"""Helpers of tests/e2e/test_fuzz_openapi.py: a live server with auth on, a backend client and
its tokens (`enlace clients add`, `enlace token issue`), and one run of the `schemathesis`
command line against it. The command line runs every phase Schemathesis has (boundary values,
fuzzing, stateful sequences through the document's links) and prints each failure with a curl
command that reproduces it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.e2e.conftest import _env, _serve
from tests.support.oauth_clients import ec_key

VENV_BIN = Path(sys.executable).parent
HERE = Path(__file__).parent
CONFIG = HERE / "schemathesis.toml"
HOOKS = HERE / "fuzz_hooks.py"
SEED = 20261126
# Tokens live at most 300 s (security/tokens.py): each run gets a fresh one and stays shorter.
TOKEN_SECONDS = 300
CHECKS_WITH_TOKEN = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,ignored_auth,use_after_free,ensure_resource_availability"
)
CHECKS_WITHOUT_TOKEN = "not_a_server_error,status_code_conformance,content_type_conformance"


@dataclass(frozen=True)
class FuzzServer:
    site: str  # http://127.0.0.1:<port>
    env: dict[str, str]  # points the `enlace` command line at the server's database
    workdir: Path
    client_id: str

    @property
    def fhir(self) -> str:
        return f"{self.site}/fhir"

    @property
    def log(self) -> Path:
        return self.workdir / "server.log"

    def token(self) -> str:
        """A bearer token with every system scope, from `enlace token issue`."""
        issued = self._enlace(
            "token", "issue", "--client", self.client_id, "--scope", "system/*.cruds",
            "--base-url", self.site, "--lifetime", str(TOKEN_SECONDS),
        )  # fmt: skip
        return issued.strip()

    def _enlace(self, *args: str) -> str:
        done = subprocess.run(
            [str(VENV_BIN / "enlace"), *args], env=self.env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


def serve_with_auth(database_url: str, workdir: Path) -> Iterator[FuzzServer]:
    env = _env(database_url, workdir, {"ENLACE_AUTH": "1"})
    for fhir in _serve(database_url, workdir, {"ENLACE_AUTH": "1"}):
        jwks = workdir / "jwks.json"
        jwks.write_text(json.dumps(ec_key().jwks()))
        server = FuzzServer(fhir.removesuffix("/fhir"), env, workdir, "")
        added = server._enlace(
            "clients", "add", "--name", "Fuzzer", "--kind", "backend",
            "--scope", "system/*.cruds", "--jwks", str(jwks),
        )  # fmt: skip
        yield FuzzServer(server.site, env, workdir, added.split()[1])


def fhir_document(server: FuzzServer, token: str) -> Path:
    """The served /fhir/openapi.json, saved for the command line (which may run without a token)."""
    response = httpx.get(
        f"{server.fhir}/openapi.json", headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    assert response.status_code == 200, response.text
    path = server.workdir / "fhir-openapi.json"
    path.write_bytes(response.content)
    return path


def resource_types(document: Path) -> list[str]:
    paths = json.loads(document.read_text())["paths"]
    return sorted({p.split("/")[1] for p in paths if p[1:2].isupper()})


def types_regex(types: list[str]) -> str:
    return rf"^/({'|'.join(re.escape(t) for t in types)})(/|$)"


@dataclass(frozen=True)
class Run:
    returncode: int
    output: str
    known: list[str]  # the known bugs met (fuzz_hooks.KNOWN_5XX), one line per failure dropped
    seconds: float

    def report(self) -> str:
        """The command line's failure report (with curl commands), for the assertion message."""
        start = self.output.find("=== FAILURES ===")
        return self.output[start if start >= 0 else -6000 :][-20000:]


def schemathesis(
    server: FuzzServer,
    schema: Path,
    *,
    base_url: str,
    include: str,
    phases: str,
    examples: int,
    checks: str,
    token: str | None = None,
    headers: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Run:
    """One `schemathesis run`: deterministic (fixed seed, one worker), failures kept by the hooks."""
    known = server.workdir / f"known-{time.monotonic_ns()}.jsonl"
    command = [
        str(VENV_BIN / "schemathesis"), "--config-file", str(CONFIG), "--no-color",
        "run", str(schema), "--url", base_url, "--seed", str(SEED), "--workers", "1",
        "--phases", phases, "--max-examples", str(examples), "--checks", checks,
        "--include-path-regex", include, "--warnings", "off", "--request-timeout", "60",
        "--continue-on-failure",
    ]  # fmt: skip
    if token:
        headers = (f"Authorization: Bearer {token}", *headers)
    for header in headers:
        command += ["--header", header]
    started = time.monotonic()
    done = subprocess.run(
        command,
        cwd=server.workdir,  # Schemathesis keeps a cache directory where it runs
        env={
            **server.env,
            **(env or {}),
            "SCHEMATHESIS_HOOKS": str(HOOKS),
            "ENLACE_FUZZ_SERVER_LOG": str(server.log),
            "ENLACE_FUZZ_KNOWN_OUT": str(known),
        },
        capture_output=True,
        text=True,
    )
    lines = known.read_text().splitlines() if known.exists() else []
    output = done.stdout + done.stderr
    known.with_suffix(".txt").write_text(output)  # the whole report, beside the server's log
    return Run(done.returncode, output, lines, time.monotonic() - started)
