"""Bylaws with their amendment history: each amendment is a new version, never an overwrite."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from enlace.kernel import errors
from enlace.modules.voting.tables import bylaws


def amend(conn: Connection, article: str, text: str, at: datetime, adopted_by: str) -> int:
    """Store a new version of `article` (the first is the founding text); returns its number."""
    if not article.strip():
        raise errors.bad_request("a bylaw needs an article number", "article")
    if not text.strip():
        raise errors.bad_request("a bylaw article cannot be empty", "text")
    latest = conn.execute(
        select(func.max(bylaws.c.version)).where(bylaws.c.article == article)
    ).scalar()
    version = (latest or 0) + 1
    conn.execute(bylaws.insert().values(
        article=article, version=version, text=text, adopted_at=at, adopted_by=adopted_by))  # fmt: skip
    return version


def current(conn: Connection) -> dict[str, str]:
    """The text in force of every article."""
    latest = (
        select(bylaws.c.article, func.max(bylaws.c.version).label("version"))
        .group_by(bylaws.c.article)
        .subquery()
    )
    query = select(bylaws.c.article, bylaws.c.text).join(
        latest, (latest.c.article == bylaws.c.article) & (latest.c.version == bylaws.c.version)
    )
    return {r.article: r.text for r in conn.execute(query.order_by(bylaws.c.article))}


def history(conn: Connection, article: str) -> list[tuple[int, str, datetime, str]]:
    query = select(bylaws).where(bylaws.c.article == article).order_by(bylaws.c.version)
    return [(r.version, r.text, r.adopted_at, r.adopted_by) for r in conn.execute(query)]
