"""The follow-up loop on both stores: confirm (Condition confirmed, Task completed, time to
confirmation), rule out (refuted), treatment start (first prescription only), overdue referrals,
the clinic indicators, and refusals that write nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.modules.screening import followup, referrals
from enlace.modules.screening.indicators import indicators
from tests.integration.screening.followup_support import patient, put, referral

LATER = datetime(2025, 12, 11, 16, 0, tzinfo=UTC)  # 10 days after the referral


@pytest.fixture
def clinic(services: Services) -> Services:
    patient(services, "p1", "Uno")
    patient(services, "p2", "Dos")
    patient(services, "p3", "Tres")
    referral(services, "t1", "p1", "diabetes")
    referral(services, "t2", "p2", "hypertension")
    referral(services, "t3", "p3", "diabetes", clinic="org-c2")
    return services


def test_open_referrals_of_a_clinic_overdue_first(clinic: Services) -> None:
    with clinic.db.read() as conn:
        found = referrals.open_referrals(conn, clinic.repo, "org-c1")
        every = referrals.open_referrals(conn, clinic.repo, None)
    assert [r.task_id for r in found] == ["t1", "t2"]
    assert {r.task_id for r in every} == {"t1", "t2", "t3"}
    now = epoch_us(clinic.repo.clock())  # the test clock is in 2026: past the due date
    assert all(r.overdue(now) for r in found)
    assert not found[0].overdue(epoch_us(LATER))


def test_confirm_writes_condition_closes_task_and_times_it(clinic: Services) -> None:
    with clinic.db.begin() as conn:
        decision = followup.confirm(conn, clinic.repo, "t1", performer="Practitioner/d1", now=LATER)
    assert decision.outcome == "confirmed" and decision.days_to_decision == pytest.approx(10.0)
    with clinic.db.read() as conn:
        condition = clinic.repo.read(conn, "Condition", decision.condition_id).resource()
        task = clinic.repo.read(conn, "Task", "t1").resource()
        still_open = [r.task_id for r in referrals.open_referrals(conn, clinic.repo, "org-c1")]
    assert condition["verificationStatus"]["coding"][0]["code"] == "confirmed"
    assert condition["code"]["coding"][0]["code"] == "E11.9"
    assert {"reference": "Task/t1"} in condition["evidence"][0]["detail"]
    assert task["status"] == "completed" and task["businessStatus"]["text"] == "confirmed"
    assert task["output"][0]["valueReference"]["reference"] == f"Condition/{decision.condition_id}"
    assert still_open == ["t2"]


def test_rule_out_writes_refuted_condition(clinic: Services) -> None:
    with clinic.db.begin() as conn:
        decision = followup.rule_out(conn, clinic.repo, "t2", now=LATER)
    with clinic.db.read() as conn:
        condition = clinic.repo.read(conn, "Condition", decision.condition_id).resource()
        rows = indicators(conn, clinic.repo, "org-c1", now_us=epoch_us(LATER))
    assert condition["verificationStatus"]["coding"][0]["code"] == "refuted"
    assert condition["code"]["coding"][0]["code"] == "I10"
    (line,) = rows
    assert (line.referred, line.open, line.confirmed, line.ruled_out) == (2, 1, 0, 1)
    assert line.linked_share == 0.5 and line.median_days_to_confirmation is None


def test_treatment_start_counts_the_first_prescription(clinic: Services) -> None:
    later = datetime(2025, 12, 21, 16, 0, tzinfo=UTC)
    with clinic.db.begin() as conn:
        followup.confirm(conn, clinic.repo, "t1", now=LATER)
        first = followup.start_treatment(
            conn,
            clinic.repo,
            "t1",
            medication="metformin-850-tab",
            dosage="1 tableta cada 12 h",
            now=later,
        )
        followup.start_treatment(
            conn,
            clinic.repo,
            "t1",
            medication="metformin-850-tab",
            dosage="otra",
            now=datetime(2026, 1, 5, tzinfo=UTC),
        )
    with clinic.db.read() as conn:
        request = clinic.repo.read(conn, "MedicationRequest", first).resource()
        (line,) = indicators(conn, clinic.repo, "org-c1", now_us=epoch_us(later))
    assert request["reasonReference"][0]["reference"] == "Condition/t1-dx"
    assert (line.confirmed, line.treated, line.treated_share) == (1, 1, 1.0)
    assert line.median_days_to_confirmation == 10.0 and line.median_days_to_treatment == 20.0
    assert line.overdue == 0  # t2's due date (30 Dec) is after `later`


def test_overdue_count_in_indicators(clinic: Services) -> None:
    with clinic.db.read() as conn:
        lines = {line.clinic: line for line in indicators(conn, clinic.repo)}
    assert lines["org-c1"].overdue == 2 and lines["org-c2"].overdue == 1
    assert lines["org-c1"].linked_share == 0.0


@pytest.mark.parametrize(
    ("call", "status", "where"),
    [
        (lambda c, r: followup.confirm(c, r, "nope"), 404, None),
        (lambda c, r: followup.confirm(c, r, "t1", code="xx"), 400, "code"),
        (lambda c, r: followup.start_treatment(c, r, "t1", medication="x", dosage="y"), 409, None),
    ],
)
def test_refusals_write_nothing(
    clinic: Services, call: Callable[[Any, Any], object], status: int, where: str | None
) -> None:
    with pytest.raises(errors.FhirError) as caught, clinic.db.begin() as conn:
        call(conn, clinic.repo)
    assert caught.value.status == status
    if where:
        assert caught.value.outcome()["issue"][0]["expression"] == [where]
    with clinic.db.read() as conn:
        assert clinic.repo.current(conn, "Condition", "t1-dx") is None
        assert clinic.repo.read(conn, "Task", "t1").resource()["status"] == "requested"


def test_deciding_twice_is_a_conflict(clinic: Services) -> None:
    with clinic.db.begin() as conn:
        followup.confirm(conn, clinic.repo, "t1", now=LATER)
    with pytest.raises(errors.FhirError) as caught, clinic.db.begin() as conn:
        followup.rule_out(conn, clinic.repo, "t1", now=LATER)
    assert caught.value.status == 409


def test_bad_treatment_input_names_the_field(clinic: Services) -> None:
    with clinic.db.begin() as conn:
        followup.confirm(conn, clinic.repo, "t1", now=LATER)
    for medication, dosage, field in (
        ("unknown-drug", "x", "medication"),
        ("metformin-850-tab", "  ", "dosage"),
    ):
        with pytest.raises(errors.FhirError) as caught, clinic.db.begin() as conn:
            followup.start_treatment(conn, clinic.repo, "t1", medication=medication, dosage=dosage)
        assert caught.value.status == 400
        assert caught.value.outcome()["issue"][0]["expression"] == [field]


def test_a_task_that_is_not_a_referral_is_refused(clinic: Services) -> None:
    put(
        clinic,
        {
            "resourceType": "Task",
            "id": "other",
            "status": "requested",
            "intent": "order",
            "for": {"reference": "Patient/p1"},
        },
    )
    with pytest.raises(errors.FhirError) as caught, clinic.db.begin() as conn:
        followup.confirm(conn, clinic.repo, "other")
    assert caught.value.status == 400


def test_cli_prints_indicators_and_overdue(
    clinic: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ENLACE_DATABASE_URL", clinic.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    with clinic.db.begin() as conn:
        followup.confirm(conn, clinic.repo, "t1", now=LATER)
    done = CliRunner().invoke(app, ["screening", "followup", "--clinic", "org-c1"])
    assert done.exit_code == 0, done.output
    assert "org-c1\t2\t50%\t1\t0\t0\t10.0\t1" in done.output
    assert "overdue\torg-c1\tAna Dos\thypertension" in done.output
    bad = CliRunner().invoke(app, ["screening", "followup", "--overdue", "-1"])
    assert bad.exit_code == 2
