"""The scheduled jobs: what runs when (America/Mexico_City), each as its own `enlace` command.

Each job runs in a child process, so a job that crashes or leaks memory takes nothing down with
it and the scheduler's record of the run (outcome, duration, last output lines) survives. Times
are spread over the night so the jobs do not compete for the database; the dashboards' refresh
comes after the jobs whose results it reads.
"""

from __future__ import annotations

import subprocess
import sys

from enlace.interactions.scheduler import Job, Outcome

JOBS: list[Job] = [
    Job("audit-seal", "*/10 * * * *", ("audit", "seal"), "Seal audit rows into the hash chain", 10),
    Job("care-reminders", "0 * * * *", ("care", "reminders"), "Queue appointment reminders", 15),
    Job("homecare-missed", "15 * * * *", ("homecare", "missed"), "Escalate missed home visits", 15),
    Job(
        "care-referral-sla",
        "20 * * * *",
        ("care", "referrals", "sla"),
        "Escalate late referrals",
        15,
    ),
    Job("supply-snapshot", "30 1 * * *", ("supply", "snapshot"), "Daily stock-out KPIs", 60),
    Job("pharmacy-refills", "0 2 * * *", ("pharmacy", "refills"), "Refill orders and renewals", 60),
    Job("adherence-run", "30 2 * * *", ("adherence", "run"), "Adherence scores and outreach", 120),
    Job("supply-requisitions", "0 3 * * *", ("supply", "requisitions"), "Suggested orders", 120),
    Job("supply-forecast", "0 4 * * 1", ("supply", "forecast"), "Weekly demand forecasts", 120),
    Job("vigilance-overdue", "0 7 * * *", ("vigilance", "overdue"), "Late ICSR cases listed", 15),
    Job(
        "analytics-indicators",
        "30 5 * * *",
        ("analytics", "indicators", "refresh"),
        "Refresh dashboard views after the night's jobs",
        120,
    ),
]


def by_name(name: str) -> Job | None:
    return next((job for job in JOBS if job.name == name), None)


def run_command(job: Job) -> Outcome:
    """Run the job's `enlace` command in a child process; its last output lines are the detail."""
    argv = [sys.executable, "-c", "from enlace.entrypoints.cli.main import app; app()", *job.argv]
    limit = job.lease_minutes * 60 * 4  # a job four leases long is stuck: stop it
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=limit, check=False)
    except subprocess.TimeoutExpired:
        return Outcome(False, f"stopped after {limit} s")
    output = (done.stdout + done.stderr).strip().splitlines()
    detail = "\n".join(output[-20:])
    return Outcome(done.returncode == 0, f"exit {done.returncode}\n{detail}".strip())
