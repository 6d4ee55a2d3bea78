"""`enlace config check` and `enlace jobs list|run` as a user runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.entrypoints.cli.ops_cli import metrics_dir
from enlace.interactions.context import Services
from enlace.store import job_leases

runner = CliRunner()


def test_config_check_accepts_development_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENLACE_ENV", "development")
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 0, result.output
    assert "ok: development settings" in result.output


def test_config_check_lists_every_unsafe_production_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENLACE_ENV", "production")
    monkeypatch.setenv("ENLACE_AUTH", "0")
    monkeypatch.delenv("ENLACE_DATABASE_URL", raising=False)
    monkeypatch.setenv("ENLACE_TRACING", "zipkin")
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 1
    assert "problem: authentication is off" in result.output
    assert "problem: the database is SQLite" in result.output
    assert "problem: ENLACE_TRACING is 'zipkin'" in result.output
    assert "refusing these production settings" in result.output


def test_config_check_names_a_setting_that_does_not_parse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENLACE_READY_OUTBOX_LAG", "soon")
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 1
    assert "does not parse" in result.output


def test_a_misspelt_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENLACE_ENV", "prodution")
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 1
    assert "ENLACE_ENV is 'prodution'" in result.output


def test_jobs_run_refuses_an_unknown_job(monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["jobs", "run", "no-such-job"])
    assert result.exit_code == 2
    assert "unknown job 'no-such-job'" in result.output


def test_jobs_run_runs_a_job_in_a_child_process_and_records_it(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(services.settings.var_dir))
    result = runner.invoke(app, ["jobs", "run", "audit-seal", "--occurrence", "o-1"])
    assert result.exit_code == 0, result.output
    assert "audit-seal o-1: ok" in result.output
    assert "sealed" in result.output  # the child's own output, kept as the run's detail
    again = runner.invoke(app, ["jobs", "run", "audit-seal", "--occurrence", "o-1"])
    assert "run by another process (or already done)" in again.output
    listed = runner.invoke(app, ["jobs", "list"])
    line = next(x for x in listed.output.splitlines() if x.startswith("audit-seal"))
    assert "\tok\t" in line
    assert [r.outcome for r in job_leases.runs(services.db, "audit-seal")] == ["ok"]


def test_workers_serve_runs_until_terminated(services: Services, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ENLACE_DATABASE_URL": services.settings.resolved_database_url,
        "ENLACE_VAR_DIR": str(tmp_path),
    }
    command = [sys.executable, "-c", "from enlace.entrypoints.cli.main import app; app()"]
    process = subprocess.Popen(
        [*command, "workers", "serve"], env=env, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # printed once the loops are started
    assert "workers running: messaging outbox, subscriptions" in line
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0


def test_the_metrics_folder_of_a_new_serve_is_emptied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    stale = tmp_path / "metrics" / "counter_1234.db"
    stale.parent.mkdir()
    stale.write_bytes(b"old run")
    chosen = metrics_dir(tmp_path)
    assert chosen == tmp_path / "metrics" and not stale.exists()
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(chosen)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")  # the tests' own process stays single-process
