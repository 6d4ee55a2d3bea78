"""Scheduled jobs' own tables (migration 0032): job leases and runs, so no job runs twice across processes.

No foreign keys to other modules. Times are microseconds since the epoch (UTC).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, Text

metadata = MetaData()

# One row per job occurrence (job, scheduled minute): whoever inserts it runs it. The holder
# renews `leased_until_us` while it runs; a crashed holder's lease expires and another process
# may take the occurrence over. `finished_us` set means done: nobody runs it again.
job_leases = Table(
    "job_leases",
    metadata,
    Column("job", String(64), primary_key=True),
    Column(
        "occurrence", String(32), primary_key=True
    ),  # scheduled instant, ISO (UTC), or manual-...
    Column("holder", String(128), nullable=False),  # host:pid:random of the process running it
    Column("leased_until_us", BigInteger, nullable=False),
    Column("attempt", Integer, nullable=False),  # 1, then +1 per takeover of an expired lease
    Column("finished_us", BigInteger, nullable=True),
)

# Every attempt at an occurrence: start, end, outcome (running | ok | failed), duration.
job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(64), nullable=False, index=True),
    Column("occurrence", String(32), nullable=False),
    Column("holder", String(128), nullable=False),
    Column("started_us", BigInteger, nullable=False),
    Column("ended_us", BigInteger, nullable=True),
    Column("outcome", String(16), nullable=False),
    Column("duration_ms", Integer, nullable=True),
    Column("detail", Text, nullable=False, default=""),  # the last lines of the job's output
)

# The scheduler processes' heartbeats (readyz and `enlace jobs list` read them).
job_heartbeats = Table(
    "job_heartbeats",
    metadata,
    Column("holder", String(128), primary_key=True),
    Column("beat_us", BigInteger, nullable=False),
)

JOB_TABLES: tuple[Table, ...] = (job_leases, job_runs, job_heartbeats)
