"""Education: patient library, clinician courses, enrolments, certificates (enlace.modules.education.tables).

Revision ID: 0031
Revises: 0030
"""

from __future__ import annotations

from alembic import op

from enlace.modules.education.tables import EDUCATION_TABLES, metadata

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0031; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(EDUCATION_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(EDUCATION_TABLES))
