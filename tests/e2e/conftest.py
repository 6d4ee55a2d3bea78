"""A live `enlace serve` process (two workers) per storage backend, for real clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.postgres import fresh_database

VENV_BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("server")
    if request.param == "sqlite":
        yield from _serve(f"sqlite:///{workdir / 'enlace.db'}", workdir)
        return
    admin: str = request.getfixturevalue("postgres_admin_url")
    with fresh_database(admin) as url:
        yield from _serve(url, workdir)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    from tests.support.postgres import PostgresUnavailable, postgres_server

    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL e2e tests skipped: {exc}")


@dataclass(frozen=True)
class LoginServer:
    """A live server for the browser tests: its site root, and the environment that points the
    `enlace` command line (users add, totp, unlock) at the same database."""

    base: str  # http://127.0.0.1:<port>, no /fhir
    env: dict[str, str]


LOGIN_SERVER_ENV = {"ENLACE_LOGIN_MAX_FAILURES": "3", "ENLACE_LOCKOUT_SECONDS": "600"}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def login_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LoginServer]:
    workdir = tmp_path_factory.mktemp("login-server")
    if request.param == "sqlite":
        url = f"sqlite:///{workdir / 'enlace.db'}"
        for fhir_base in _serve(url, workdir, LOGIN_SERVER_ENV):
            yield LoginServer(fhir_base.removesuffix("/fhir"), _env(url, workdir))
        return
    admin: str = request.getfixturevalue("postgres_admin_url")
    with fresh_database(admin) as url:
        for fhir_base in _serve(url, workdir, LOGIN_SERVER_ENV):
            yield LoginServer(fhir_base.removesuffix("/fhir"), _env(url, workdir))


def _env(database_url: str, workdir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "ENLACE_DATABASE_URL": database_url,
        "ENLACE_VAR_DIR": str(workdir),
        **(extra or {}),
    }


def _serve(
    database_url: str, workdir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    port = _free_port()
    env = _env(database_url, workdir, extra_env)
    log = (workdir / "server.log").open("wb")
    process = subprocess.Popen(
        [str(VENV_BIN / "enlace"), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process, workdir)
        yield f"{base}/fhir"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


READY_WITHIN = 180  # seconds: two workers import the app (numpy, OR-Tools, scikit-learn) on a
# shared 2-core machine; under load that alone has taken over a minute


def _wait_ready(base: str, process: subprocess.Popen[bytes], workdir: Path) -> None:
    deadline = time.time() + READY_WITHIN
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {(workdir / 'server.log').read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server did not become ready within {READY_WITHIN} s")
