"""Simulated claims fraud end to end, on both stores: the claims actor sends a small world's
fills as Claims with seeded fraud and writes its ground truth; `enlace claims fraud` flags and
scores them (and refuses bad input with exit 2); the payer dashboard shows a payer its own
claims only, refuses pharmacists (403) and a bad month (400)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app as cli
from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules import claims, coverage, fraud
from enlace.modules.catalog import load_catalogs
from enlace.modules.coverage.store import forget_plans
from enlace.sim.actors import discover, ordered
from enlace.sim.actors.claims import ClaimsActor
from enlace.sim.claims_fraud import ClaimsFraudRates, truth_path
from enlace.sim.driver import run_scenario
from enlace.sim.loader import load_population
from enlace.sim.population import generate
from tests.integration.test_web_shell import cheap_hasher, sign_in_as
from tests.integration.trace_epcis_support import reset

__all__ = ["cheap_hasher"]

SEED, PEOPLE, DAYS = 13, 400, 40
RATES = ClaimsFraudRates(share=0.2, schemes_each=2, latest_start=3)  # more fraud: a small world


def _world(services: Services) -> None:
    reset(services)
    with services.db.begin() as conn:
        for table in (
            "claims_packs",
            "claims_submissions",
            "claims_lines",
            "coverage_accumulators",
        ):
            conn.execute(text(f"DELETE FROM {table}"))
    forget_plans()
    load_catalogs(services)
    coverage.load_plans(services)
    load_population(services, generate(PEOPLE, SEED, ["JAL", "NLE", "CMX"]))
    actors = ordered([*(a for a in discover() if a.name != "claims"), ClaimsActor(RATES)])
    run_scenario(services, DAYS, actors=actors)


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


def _lines(services: Services) -> list[claims.ClaimLine]:
    with services.db.read() as conn:
        return list(claims.claim_lines(conn))


def _cli(services: Services, *args: str) -> Any:
    env = {
        "ENLACE_DATABASE_URL": services.settings.resolved_database_url,
        "ENLACE_VAR_DIR": str(services.settings.var_dir),
    }
    return CliRunner().invoke(cli, ["claims", "fraud", *args], env=env)


def test_simulated_claims_fraud_is_claimed_flagged_scored_and_shown(
    services: Services, web: TestClient
) -> None:
    _world(services)
    lines = _lines(services)
    truth = fraud.read_truth(truth_path(services.settings.var_dir, SEED))
    fraudulent = {t.pharmacy for t in truth}
    assert len(lines) > 100 and len(fraudulent) >= 2
    assert {t.scheme for t in truth} <= {
        "phantom",
        "upcoding",
        "split",
        "volume",
        "elsewhere",
        "fabricated-amounts",
    }
    assert any(line.reason == "phantom" for line in lines)
    assert any(line.reason == "" and line.payer_centavos > 0 for line in lines)
    legit = [line for line in lines if line.pharmacy not in fraudulent]
    assert legit and all(line.unit_centavos % 100 == 0 for line in legit)
    _no_marker_in_the_record(services, lines)

    result = _cli(services, "--truth", str(truth_path(services.settings.var_dir, SEED)), "--json")
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.stdout)
    assert report["claims"] > 0 and report["flags"]
    assert all(flag["explanation"] and flag["numbers"] for flag in report["flags"])
    score = report["score"]
    assert score["any_rule"]["true_positives"] >= 1  # the seeded fraud is found
    assert set(score["by_rule"]) == set(fraud.RULES)

    payer = next(line.payer for line in lines if line.payer_centavos > 0)
    sign_in_as(services, web, "aseguradora", "payer", organization=f"org-{payer}")
    page = web.get("/payer")
    assert page.status_code == 200, page.text
    assert 'id="summary"' in page.text and "Pagado por la aseguradora" in page.text
    assert 'id="pmpm"' in page.text and 'name="payer"' not in page.text  # no selector
    assert web.get("/payer?lang=en").text.count("Per member per month (PMPM)") == 1
    other = next(line.payer for line in lines if line.payer != payer)
    assert web.get(f"/payer?payer={other}").status_code == 403


def _no_marker_in_the_record(services: Services, lines: list[claims.ClaimLine]) -> None:
    """No scheme name or truth word travels in a stored Claim."""
    ids = {line.claim_id for line in lines}
    with services.db.read() as conn:
        stored = services.repo.current_many(conn, "Claim", ids)
    assert len(stored) == len(ids)
    for version in stored.values():
        body = orjson.dumps(version.resource()).decode()
        for word in ("phantom", "upcod", "split", "fabricat", "elsewhere", "volume", "fraud"):
            assert word not in body


def test_cli_bad_input_exits_2_and_names_the_problem(services: Services, tmp_path: Any) -> None:
    cases = {
        ("--since", "2026-02-30"): "--since must be a date",
        ("--since", "2026-03-01", "--until", "2026-02-01"): "is after --until",
        ("--payer", "nadie"): "is not a payer",
        ("--truth", str(tmp_path / "missing.jsonl")): "cannot read",
    }
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"pharmacy": "x"}\n')
    cases[("--truth", str(broken))] = "not a fraud truth line"
    for args, message in cases.items():
        result = _cli(services, *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output


def test_cli_on_an_empty_store_says_so(services: Services) -> None:
    with services.db.begin() as conn:
        conn.execute(text("DELETE FROM claims_lines"))
    result = _cli(services)
    assert result.exit_code == 0 and "0 claims at 0 pharmacies" in result.output


def test_payer_page_access_and_bad_input(services: Services, web: TestClient) -> None:
    sign_in_as(services, web, "farmacia", "pharmacist", organization="org-pharmacy-imss-09015")
    assert web.get("/payer").status_code == 403
    sign_in_as(services, web, "admin", "administrator")
    for bad in ("/payer?month=2026-13", "/payer?month=enero", "/payer?payer=nadie"):
        page = web.get(bad)
        assert page.status_code == 400, bad
        assert "AAAA-MM" in page.text
    page = web.get("/payer?month=2026-02&payer=imss")
    assert page.status_code == 200 and 'name="payer"' in page.text  # the selector
    assert '<option value="2026-02" selected>' in page.text  # a month without claims is shown
    sign_in_as(services, web, "sin-org", "payer")
    assert web.get("/payer").status_code == 400
