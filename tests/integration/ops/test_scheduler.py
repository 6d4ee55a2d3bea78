"""The scheduler's leases on both stores: one run per occurrence, even across real processes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import REGISTRY

from enlace.interactions import scheduler
from enlace.interactions.context import Services
from enlace.interactions.scheduler import Job, Outcome
from enlace.kernel.clock import epoch_us
from enlace.store import job_leases

JOB = Job("test-job", "0 2 * * *", ("version",), "a test job", lease_minutes=1)
MINUTE_US = 60_000_000

RACER = """
import sys, time
from pathlib import Path
from enlace.interactions import scheduler
from enlace.store.database import open_database
url, start, marks = sys.argv[1], float(sys.argv[2]), Path(sys.argv[3])
db = open_database(url, pool_size=1)
job = scheduler.Job("race", "0 2 * * *", ("version",), "race", 1)
def runner(job):
    with marks.open("a") as out:
        out.write(scheduler.holder_name() + "\\n")
    time.sleep(0.5)
    return scheduler.Outcome(True, "ran")
time.sleep(max(0.0, start - time.time()))
run = scheduler.run_occurrence(db, job, "2026-11-26T08:00Z", runner, scheduler.holder_name())
print("ran" if run else "skipped")
"""


def test_one_process_wins_an_occurrence(services: Services) -> None:
    db, now = services.db, epoch_us(datetime.now(UTC))
    assert job_leases.claim(db, "j", "o1", "a", now, MINUTE_US) == 1
    assert job_leases.claim(db, "j", "o1", "b", now, MINUTE_US) == 0
    assert job_leases.claim(db, "j", "o2", "b", now, MINUTE_US) == 1  # another occurrence


def test_a_crashed_holders_lease_expires_and_is_taken_over(services: Services) -> None:
    db, now = services.db, epoch_us(datetime.now(UTC))
    assert job_leases.claim(db, "j", "o", "crashed", now, MINUTE_US) == 1
    assert job_leases.claim(db, "j", "o", "b", now + MINUTE_US // 2, MINUTE_US) == 0
    assert job_leases.claim(db, "j", "o", "b", now + 2 * MINUTE_US, MINUTE_US) == 2
    assert not job_leases.renew(db, "j", "o", "crashed", now + 3 * MINUTE_US)


def test_a_finished_occurrence_is_never_run_again(services: Services) -> None:
    db, now = services.db, epoch_us(datetime.now(UTC))
    job_leases.claim(db, "j", "o", "a", now, MINUTE_US)
    job_leases.finish(db, "j", "o", "a", now + 1)
    assert job_leases.claim(db, "j", "o", "b", now + 10 * MINUTE_US, MINUTE_US) == 0


def test_a_run_is_recorded_with_outcome_and_duration(services: Services) -> None:
    before = _job_count("test-job", "ok")
    run = scheduler.run_occurrence(
        services.db, JOB, "occ-1", lambda job: Outcome(True, "done"), "me"
    )
    assert run is not None
    assert (run.outcome, run.detail, run.holder) == ("ok", "done", "me")
    assert run.ended_us is not None and run.duration_ms is not None and run.duration_ms >= 0
    assert _job_count("test-job", "ok") == before + 1
    assert scheduler.run_occurrence(services.db, JOB, "occ-1", _never, "other") is None


def test_a_raising_job_is_recorded_as_failed(services: Services) -> None:
    def boom(job: Job) -> Outcome:
        raise RuntimeError("disk on fire")

    run = scheduler.run_occurrence(services.db, JOB, "occ-2", boom, "me")
    assert run is not None and run.outcome == "failed"
    assert "disk on fire" in run.detail
    assert job_leases.last_runs(services.db)["test-job"].id == run.id


def test_tick_runs_the_due_occurrence_once_and_beats(services: Services) -> None:
    # 02:00 in Mexico City is 08:00 UTC; at 08:05 UTC the 02:00 occurrence is due.
    moment = datetime(2026, 11, 26, 8, 5, tzinfo=UTC)
    ran: list[str] = []

    def runner(job: Job) -> Outcome:
        ran.append(job.name)
        return Outcome(True, "")

    made = scheduler.tick(services.db, [JOB], runner, "me", clock=lambda: moment)
    assert [r.occurrence for r in made] == ["2026-11-26T08:00Z"]
    assert scheduler.tick(services.db, [JOB], runner, "you", clock=lambda: moment) == []
    assert ran == ["test-job"]
    assert job_leases.last_beat_us(services.db) == epoch_us(moment)


def test_an_occurrence_older_than_the_catch_up_window_is_skipped(services: Services) -> None:
    late = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # 14:00 local, 12 h after 02:00
    made = scheduler.tick(services.db, [JOB], _never, "me", clock=lambda: late)
    assert made == []


def test_racing_processes_run_an_occurrence_exactly_once(
    services: Services, tmp_path: Path
) -> None:
    marks = tmp_path / "marks.txt"
    start = time.time() + 3  # every process imports first, then all claim at once
    racers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                RACER,
                services.settings.resolved_database_url,
                str(start),
                str(marks),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    answers = sorted(p.communicate(timeout=120)[0].strip() for p in racers)
    assert answers == ["ran", "skipped", "skipped", "skipped"]
    assert len(marks.read_text().splitlines()) == 1
    runs = job_leases.runs(services.db, "race")
    assert [(r.occurrence, r.outcome) for r in runs] == [("2026-11-26T08:00Z", "ok")]


def test_due_occurrence_follows_mexico_city_time() -> None:
    job = Job("j", "30 1 * * *", ("version",), "")
    at = datetime(2026, 7, 1, 7, 40, tzinfo=UTC)  # 01:40 in Mexico City (UTC-6, no DST)
    due = scheduler.due_occurrence(job, at, timedelta(hours=1))
    assert due is not None and scheduler.occurrence_key(due) == "2026-07-01T07:30Z"
    assert scheduler.due_occurrence(job, at - timedelta(minutes=20), timedelta(hours=1)) is None


def _never(job: Job) -> Outcome:
    raise AssertionError("this process must not run the job")


def _job_count(job: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "enlace_job_duration_seconds_count", {"job": job, "outcome": outcome}
    )
    return value or 0.0


def test_serve_ticks_until_stopped(services: Services) -> None:
    stop = threading.Event()
    moment = datetime(2026, 11, 26, 8, 5, tzinfo=UTC)
    ran: list[str] = []

    def runner(job: Job) -> Outcome:
        ran.append(job.name)
        stop.set()  # the first run ends the loop
        return Outcome(True, "")

    loop = threading.Thread(
        target=scheduler.serve,
        args=(services.db, [JOB], runner, stop),
        kwargs={"every_seconds": 0.05, "clock": lambda: moment},
    )
    loop.start()
    loop.join(timeout=60)
    assert not loop.is_alive() and ran == ["test-job"]
    assert job_leases.last_beat_us(services.db) == epoch_us(moment)
