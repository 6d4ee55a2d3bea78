"""Schemathesis against a live `enlace serve` with auth on (SQLite and PostgreSQL): the FHIR API
from its own /fhir/openapi.json, with a token of every system scope and without one, and the
FastAPI routes (OAuth token endpoint, login pages) from their schema. No request may get a 5xx
(other than the known bugs fuzz_hooks.py lists, each pinned by a strict xfail test), every status
must be one the document declares, and bodies must match it.

`make test` runs a sample (the system endpoints and five resource types, few examples: about a
minute); `make faults` runs every operation of every type with more examples (marked slow).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from enlace.bootstrap import build
from enlace.entrypoints.http.app import create_app
from enlace.entrypoints.http.openapi_routes import routes_schema
from enlace.kernel.jsonutil import dumps
from enlace.kernel.settings import Settings
from tests.e2e.fuzz_run import (
    CHECKS_WITH_TOKEN,
    CHECKS_WITHOUT_TOKEN,
    FuzzServer,
    Run,
    fhir_document,
    resource_types,
    schemathesis,
    serve_with_auth,
    types_regex,
)
from tests.support.postgres import fresh_database

# The system endpoints (metadata, openapi.json, Bundles, history, operations) and four types:
# Patient (with $everything, $access-log, ARCO), Observation, AuditEvent, Group ($export).
SAMPLE = r"^/($|metadata$|openapi\.json$|_history$|\$|(Patient|Observation|AuditEvent|Group)(/|$))"
TYPES_PER_RUN = 12  # about 150 operations, 2 to 3 minutes: inside a token's 300 s


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzServer]:
    workdir = tmp_path_factory.mktemp("fuzz")
    if request.param == "sqlite":
        yield from serve_with_auth(f"sqlite:///{workdir / 'enlace.db'}", workdir)
        return
    admin: str = request.getfixturevalue("postgres_admin_url")
    with fresh_database(admin) as url:
        yield from serve_with_auth(url, workdir)


def passed(run: Run) -> None:
    assert run.returncode == 0, run.report()
    if run.known:  # shown with -rA: the known bugs this run ran into, by the test pinning each
        print(f"{len(run.known)} failures dropped as known bugs:", *sorted(set(run.known)))


def fuzz_fhir(
    server: FuzzServer, include: str, examples: int, with_token: bool, stateful: bool = True
) -> Run:
    """With a token: boundary values, generated requests and (when the operations selected
    hold links, as creates do) sequences along the links. Without one: generated requests."""
    token = server.token()
    phases = "coverage,fuzzing" + (",stateful" if stateful else "")
    return schemathesis(
        server,
        fhir_document(server, token),
        base_url=server.fhir,
        include=include,
        phases=phases if with_token else "fuzzing",
        examples=examples,
        checks=CHECKS_WITH_TOKEN if with_token else CHECKS_WITHOUT_TOKEN,
        token=token if with_token else None,
    )


@pytest.mark.e2e
def test_fhir_sample_with_a_token(server: FuzzServer) -> None:
    passed(fuzz_fhir(server, SAMPLE, examples=5, with_token=True))


@pytest.mark.e2e
def test_fhir_sample_without_a_token(server: FuzzServer) -> None:
    passed(fuzz_fhir(server, SAMPLE, examples=2, with_token=False))


@pytest.mark.e2e
def test_login_and_oauth_routes(server: FuzzServer) -> None:
    passed(fuzz_routes(server, examples=10))


@pytest.mark.e2e
@pytest.mark.slow
def test_every_fhir_operation_with_a_token(server: FuzzServer) -> None:
    """Every type, a run per group of types (each with a fresh token), more examples."""
    document = fhir_document(server, server.token())
    types = resource_types(document)
    groups = [types[i : i + TYPES_PER_RUN] for i in range(0, len(types), TYPES_PER_RUN)]
    system = r"^/($|metadata$|openapi\.json$|_history$|\$)"  # no creates there: no links
    runs = [fuzz_fhir(server, system, examples=20, with_token=True, stateful=False)]
    for group in groups:
        runs.append(fuzz_fhir(server, types_regex(group), examples=20, with_token=True))
    failures = [run.report() for run in runs if run.returncode != 0]
    assert not failures, "\n".join(failures)


@pytest.mark.e2e
@pytest.mark.slow
def test_every_fhir_operation_without_a_token(server: FuzzServer) -> None:
    passed(fuzz_fhir(server, ".", examples=5, with_token=False))


@pytest.mark.e2e
@pytest.mark.slow
def test_login_and_oauth_routes_longer(server: FuzzServer) -> None:
    passed(fuzz_routes(server, examples=100))


def fuzz_routes(server: FuzzServer, examples: int) -> Run:
    """The FastAPI routes. Form posts carry a valid CSRF token (fuzz_hooks.map_body) so that
    generated usernames, passwords and codes reach the login logic, not only the CSRF check."""
    cookie, csrf = login_form_state(server.site)
    return schemathesis(
        server,
        routes_document(server.workdir),
        base_url=server.site,
        include=".",
        phases="examples,coverage,fuzzing",
        examples=examples,
        checks=CHECKS_WITHOUT_TOKEN,
        headers=(f"Cookie: {cookie}",),
        env={"ENLACE_FUZZ_CSRF": csrf},
    )


def routes_document(workdir: Path) -> Path:
    """The FastAPI routes' schema (entrypoints/http/openapi_routes.py) of an application built
    here, on a database of its own: the routes are the same whatever the database."""
    own = workdir / "routes-schema"
    settings = Settings.from_env(
        database_url=f"sqlite:///{own}.db", var_dir=own, log_requests=False
    )
    services = build(settings)
    try:
        schema = routes_schema(create_app(services).app.fallback)  # type: ignore[attr-defined]
    finally:
        services.db.dispose()
    path = workdir / "routes-openapi.json"
    path.write_bytes(dumps(schema))
    return path


def login_form_state(site: str) -> tuple[str, str]:
    """The CSRF cookie and form token of a fresh login page."""
    page = httpx.get(f"{site}/login", timeout=30)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert page.status_code == 200 and found, page.text[:500]
    cookie = "; ".join(f"{name}={value}" for name, value in page.cookies.items())
    return cookie, found.group(1)
