"""`enlace registry connect | report` and `enlace subscriptions deliver | events | dead-letters
| topics` against a real store and a real local receiver; bad input exits 2 naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services

from .receiver import receiver
from .test_rest_hook import call


@pytest.fixture
def env(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    return tmp_path


def test_connect_deliver_report(env: Path, services: Services) -> None:
    runner = CliRunner()
    with receiver() as hook:
        connected = runner.invoke(app, ["registry", "connect", "cancer", "--endpoint", hook.url])
        assert connected.exit_code == 0, connected.output
        subscription_id = connected.output.split()[0].removeprefix("Subscription/")
        first = runner.invoke(app, ["subscriptions", "deliver"])
        assert "handshakes 1" in first.output, first.output
        condition = {
            "resourceType": "Condition",
            "meta": {"source": "http://hospital-a.mx"},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "C50.9"}]},
            "subject": {"reference": "Patient/p1"},
        }
        assert call(services, "POST", "Condition", condition).status == 201
        second = runner.invoke(app, ["subscriptions", "deliver"])
        assert "matched 1, delivered 1 in 1 bundles" in second.output, second.output
        assert hook.kinds() == ["handshake", "event-notification"]
    events = runner.invoke(app, ["subscriptions", "events", subscription_id])
    assert "#1\tcreate\tCondition/" in events.output and "delivered" in events.output
    report = runner.invoke(app, ["registry", "report", "cancer"])
    assert report.exit_code == 0, report.output
    # recorded under the test clock (2026-01-01), delivered under the system clock: late
    assert "http://hospital-a.mx\t1\t1\t100%\t0%\t" in report.output
    topics = runner.invoke(app, ["subscriptions", "topics"])
    assert "SubscriptionTopic/registry-case\tCondition" in topics.output
    dead = runner.invoke(app, ["subscriptions", "dead-letters"])
    assert "0 dead letters" in dead.output


def test_bad_input_exits_2_naming_the_problem(env: Path) -> None:
    runner = CliRunner()
    unknown = runner.invoke(
        app, ["registry", "connect", "diabetes", "--endpoint", "https://r.test/"]
    )
    assert unknown.exit_code == 2 and "(registry)" in unknown.output
    bad_endpoint = runner.invoke(
        app, ["registry", "connect", "cancer", "--endpoint", "ftp://r.test/"]
    )
    assert bad_endpoint.exit_code == 2
    assert "(Subscription.channel.endpoint)" in bad_endpoint.output
    no_events = runner.invoke(app, ["subscriptions", "events", "nobody"])
    assert no_events.exit_code == 2
    report = runner.invoke(app, ["registry", "report", "diabetes"])
    assert report.exit_code == 2
