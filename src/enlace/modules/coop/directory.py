"""The member directory, visible to active members only (docs/governance.md).

It shows what members need to reach each other in an assembly — name and class — and nothing
from the clinical record or the household's income.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.modules.coop.members import list_members, member_for_user


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    name: str
    member_class: str


def directory(conn: Connection, user_id: str | None) -> list[Entry]:
    """Active members by name; 403 unless the reader is an active member."""
    reader = member_for_user(conn, user_id) if user_id else None
    if reader is None or reader.status != "active":
        text = "the member directory is open to active members only"
        raise errors.error(403, "forbidden", text, "user")
    members = list_members(conn, "active")
    return sorted((Entry(m.id, m.name, m.member_class) for m in members), key=lambda e: e.name)
