"""The account record as the rest of enlace.security sees it, and reading it from its row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select

from enlace.kernel import errors

from .tables import users


@dataclass(frozen=True)
class User:
    id: str
    username: str
    display_name: str
    role: str
    organization: str | None
    fhir_user: str | None
    patients: tuple[str, ...]
    totp_enabled: bool


@dataclass(frozen=True)
class UserStatus:
    user: User
    active: bool
    locked_until_us: int
    failed_logins: int


def normalize_username(username: str) -> str:
    return username.strip().casefold()


def row_by_name(conn: Connection, username: str) -> Any:
    name = normalize_username(username)
    return conn.execute(select(users).where(users.c.username == name)).mappings().first()


def existing_row(conn: Connection, username: str) -> Any:
    row = row_by_name(conn, username)
    if row is None:
        raise errors.not_found(f"No user '{normalize_username(username)}'")
    return row


def user_from_row(row: Any) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"] or "",
        role=row["role"],
        organization=row["organization"],
        fhir_user=row["fhir_user"],
        patients=tuple(orjson.loads(row["patients"] or "[]")),
        totp_enabled=row["totp_secret"] is not None,
    )
