"""Membership on SQLite and PostgreSQL: admission, history, the voter roll at a moment."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.modules import coop


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def application(ident: str, cls: str = "patient", income: int | None = 800_000) -> coop.Application:
    return coop.Application(ident, ident.title(), cls, income, 3, user_id=f"user-{ident}")


def test_roll_at_a_moment_follows_history(services: Services) -> None:
    with services.db.begin() as conn:
        for ident, cls in (("ana", "patient"), ("beto", "physician"), ("caro", "worker")):
            coop.apply(conn, application(ident, cls), at(1))
        coop.admit(conn, "ana", at(2), "council")
        coop.admit(conn, "beto", at(3), "council")
        coop.change_status(conn, "beto", "suspended", at(10), "unpaid fee", "council")
        coop.change_status(conn, "caro", "refused", at(3), "not a worker", "council")
        assert coop.eligible_members(conn, at(1)) == []
        assert coop.eligible_members(conn, at(5)) == [("ana", "patient"), ("beto", "physician")]
        assert coop.eligible_members(conn, at(11)) == [("ana", "patient")]
        assert [h[0] for h in coop.history(conn, "beto")] == ["applied", "active", "suspended"]


def test_admitting_a_member_twice_is_409(services: Services) -> None:
    with services.db.begin() as conn:
        coop.apply(conn, application("ana"), at(1))
        coop.admit(conn, "ana", at(2), "council")
        with pytest.raises(FhirError) as caught:
            coop.admit(conn, "ana", at(3), "council")
        assert caught.value.status == 409
        with pytest.raises(FhirError) as again:
            coop.apply(conn, application("ana"), at(3))
        assert again.value.status == 409


def test_negative_and_missing_income_are_400_naming_the_field(services: Services) -> None:
    with services.db.begin() as conn:
        for income in (-1, None):
            with pytest.raises(FhirError) as caught:
                coop.apply(conn, application("ana", income=income), at(1))
            assert caught.value.status == 400
            assert [i.expression for i in caught.value.issues] == ["household_income"]
        assert coop.list_members(conn) == []


def test_withdrawal_refused_while_obligations_are_unpaid(services: Services) -> None:
    with services.db.begin() as conn:
        coop.apply(conn, application("ana"), at(1))
        coop.admit(conn, "ana", at(2), "council")
        coop.add_obligation(conn, "ana", "cuota noviembre", 15_000)
        with pytest.raises(FhirError) as caught:
            coop.change_status(conn, "ana", "withdrawn", at(5), "moving", "ana")
        assert caught.value.status == 409 and "15000" in caught.value.message
        assert coop.settle_obligations(conn, "ana") == 15_000
        assert coop.change_status(conn, "ana", "withdrawn", at(6), "moving", "ana").status == (
            "withdrawn"
        )
        assert coop.eligible_members(conn, at(7)) == []


def test_lifted_suspension_counts_again_from_its_time(services: Services) -> None:
    with services.db.begin() as conn:
        coop.apply(conn, application("ana"), at(1))
        coop.admit(conn, "ana", at(5), "council")
        coop.change_status(conn, "ana", "suspended", at(20), "unpaid", "council")
        coop.change_status(conn, "ana", "active", at(25), "paid", "council")
        assert coop.eligible_members(conn, at(4)) == []
        assert coop.eligible_members(conn, at(21)) == []
        assert coop.eligible_members(conn, at(26)) == [("ana", "patient")]
