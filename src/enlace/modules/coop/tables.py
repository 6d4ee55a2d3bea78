"""The coop module's own tables (migration 0027); only this module reads or writes them.

Each table is described where it is defined. No foreign keys to other modules.
"""

from __future__ import annotations

from sqlalchemy import MetaData, Table

metadata = MetaData()

COOP_TABLES: tuple[Table, ...] = ()
