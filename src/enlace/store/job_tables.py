"""Scheduled jobs' own tables (migration 0032): job leases and runs, so no job runs twice across processes.

Skeleton written before the work was shared out; the owner fills it. No foreign keys to other
modules; ids are FHIR logical ids.
"""

from __future__ import annotations

from sqlalchemy import MetaData, Table

metadata = MetaData()

JOB_TABLES: tuple[Table, ...] = ()
