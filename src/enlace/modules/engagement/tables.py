"""The patient app's own tables (migration 0030): dose check-offs, self-entered readings, sync.

Skeleton written before the work was shared out; the owner fills it. No foreign keys to other
modules; ids are FHIR logical ids.
"""

from __future__ import annotations

from sqlalchemy import MetaData, Table

metadata = MetaData()

ENGAGEMENT_TABLES: tuple[Table, ...] = ()
