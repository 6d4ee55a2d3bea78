"""Directory access, fee tiers and the transparency aggregates (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection

from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.modules import coop

DAY = datetime(2026, 11, 1, tzinfo=UTC)


def join(conn: Connection, ident: str, income: int, size: int, admit: bool = True) -> coop.Member:
    app = coop.Application(ident, ident.title(), "patient", income, size, user_id=f"u-{ident}")
    coop.apply(conn, app, DAY)
    if admit:
        coop.admit(conn, ident, DAY, "council")
    return coop.get_member(conn, ident)


def test_directory_is_for_active_members_only(services: Services) -> None:
    with services.db.begin() as conn:
        join(conn, "ana", 800_000, 3)
        join(conn, "beto", 900_000, 2, admit=False)
        assert [e.id for e in coop.directory(conn, "u-ana")] == ["ana"]
        for reader in ("u-beto", "u-nobody", None):
            with pytest.raises(FhirError) as caught:
                coop.directory(conn, reader)
            assert caught.value.status == 403


def test_fee_tier_by_household_income_and_size(services: Services) -> None:
    with services.db.begin() as conn:
        # Urban line $4,718.55 a person: 8,000 / (3 x 4,718.55) = 56 % -> full discount.
        assert coop.fee_tier(join(conn, "ana", 800_000, 3)).fee == 0
        # 6,000 / 4,718.55 = 127 % -> 60 % off $200.00 = $80.00.
        assert coop.fee_tier(join(conn, "beto", 600_000, 1)).fee == 8_000
        # 20,000 / 4,718.55 = 423 % -> no discount.
        assert coop.fee_tier(join(conn, "caro", 2_000_000, 1)).fee == 20_000


def test_transparency_has_counts_and_no_names(services: Services) -> None:
    with services.db.begin() as conn:
        join(conn, "ana", 800_000, 3)
        join(conn, "beto", 900_000, 2, admit=False)
        view = coop.transparency(conn)
    assert view.members_by_class == {"patient": 1}
    assert view.applications_pending == 1
    assert "ana" not in repr(view).lower()
