"""Education's own tables (migration 0031): patient education library and clinician courses.

Skeleton written before the work was shared out; the owner fills it. No foreign keys to other
modules; ids are FHIR logical ids.
"""

from __future__ import annotations

from sqlalchemy import MetaData, Table

metadata = MetaData()

EDUCATION_TABLES: tuple[Table, ...] = ()
