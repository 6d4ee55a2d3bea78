"""Two-way messaging's own tables (migration 0029): inbound messages, conversations, keywords.

Skeleton written before the work was shared out; the owner fills it. No foreign keys to other
modules; ids are FHIR logical ids.
"""

from __future__ import annotations

from sqlalchemy import MetaData, Table

metadata = MetaData()

MESSAGING_INBOUND_TABLES: tuple[Table, ...] = ()
