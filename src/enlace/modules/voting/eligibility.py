"""Who may vote: the coop module's roll at the moment a vote opens (its public API)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from enlace.modules import coop


def coop_roll(conn: Connection, at: datetime) -> list[tuple[str, str]]:
    """(member id, class) of every active member at `at`: one member, one entry."""
    return coop.eligible_members(conn, at)


def member_for_user(conn: Connection, user_id: str) -> str | None:
    """The member id behind a login, for casting a ballot from the web or API."""
    member = coop.member_for_user(conn, user_id)
    return member.id if member else None
