"""Secrets of the security tables re-sealed under the newest data key (`enlace keys rotate`).

Only TOTP secrets (`security_users.totp_secret`, sealed by `secretbox`) are sealed this way;
stored resources are rotated by `store.content_rotation`. The accounts are few, so one
transaction does them all; each value is replaced only if it is still the one read
(compare-and-swap), so a user enrolling again meanwhile keeps the new secret.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from enlace.kernel.settings import Settings
from enlace.store.database import Database

from . import secretbox
from .tables import users


@dataclass(frozen=True)
class SecretsReport:
    resealed: int
    unreadable: int  # sealed with a secret or data key no longer configured: re-enrol them
    raced: int


def reseal_totp_secrets(db: Database, settings: Settings) -> SecretsReport:
    resealed = unreadable = raced = 0
    with db.begin() as conn:
        rows = conn.execute(
            select(users.c.id, users.c.totp_secret).where(users.c.totp_secret.is_not(None))
        ).all()
        for user_id, value in rows:
            if secretbox.is_current(settings, value):
                continue
            context = f"totp:{user_id}"  # as security/users.py binds it
            try:
                secret = secretbox.open_secret(settings, value, context)
            except secretbox.SealedValueError:
                unreadable += 1
                continue
            swap = (
                update(users)
                .where(users.c.id == user_id, users.c.totp_secret == value)
                .values(totp_secret=secretbox.seal_secret(settings, secret, context))
            )
            if conn.execute(swap).rowcount == 1:
                resealed += 1
            else:
                raced += 1
    return SecretsReport(resealed, unreadable, raced)


def totp_key_usage(db: Database) -> dict[str, int]:
    """How many TOTP secrets each data key (hex id) seals; `secret-key` for v1 values."""
    usage: dict[str, int] = {}
    with db.read() as conn:
        values = conn.execute(select(users.c.totp_secret).where(users.c.totp_secret.is_not(None)))
        for (value,) in values:
            key = secretbox.key_id_of(value) or "secret-key"
            usage[key] = usage.get(key, 0) + 1
    return usage
