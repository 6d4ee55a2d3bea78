"""Capital and surplus on SQLite and PostgreSQL, hand-computed.

2025: the cooperative takes in $12,000.00 of fees and spends $2,000.00: surplus 1,000,000
centavos. Reserve 10 % = 100,000; education 1 % = 10,000; members' pool 890,000. Patient class
50 % = 445,000 shared 1:1 by ana and beto (222,500 each); physicians 25 % = 222,500 to carla
alone; workers 25 % = 222,500 to dan (2 h) and eva (1 h): 148,333.33 and 74,166.67 -> floors
148,333 + 74,166 = 222,499, the centavo to eva (.67 > .33): 148,333 and 74,167.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.modules import coop
from enlace.modules.finance import Ledger, Transfer, trial_balance

MID_2025 = datetime(2025, 6, 1, tzinfo=UTC)
CLOSE = datetime(2026, 1, 15, tzinfo=UTC)
# The ledger's tables are not emptied between PostgreSQL tests: each test books its own year
# and checks balances as differences.
PEOPLE = {
    "ana": "patient",
    "beto": "patient",
    "carla": "physician",
    "dan": "worker",
    "eva": "worker",
}
UNITS = {"ana": 4, "beto": 4, "carla": 300, "dan": 2, "eva": 1}


def ledger_at(at: datetime) -> Ledger:
    return Ledger(clock=lambda: at)


def books(services: Services, year: int = 2025) -> None:
    booked = MID_2025.replace(year=year)
    with services.db.begin() as conn:
        for ident, cls in PEOPLE.items():
            coop.apply(conn, coop.Application(ident, ident, cls, 900_000, 2), booked)
            coop.admit(conn, ident, booked, "council")
            coop.record_patronage(conn, ident, year, UNITS[ident])
        ledger = ledger_at(booked)
        coop.open_books(conn, ledger)
        ledger.open_account(conn, "coop:income:fees", "income")
        ledger.open_account(conn, "coop:expense:supplies", "expense")
        ledger.post_transfer(conn, Transfer.between(coop.CASH, "coop:income:fees", 1_200_000))
        ledger.post_transfer(conn, Transfer.between("coop:expense:supplies", coop.CASH, 200_000))


def test_statements_sum_exactly_to_the_distributed_amount(services: Services) -> None:
    books(services)
    accounts = (coop.RESERVE, "coop:income:fees", coop.SURPLUS)
    with services.db.begin() as conn:
        before = [ledger_at(CLOSE).account(conn, a).balance for a in accounts]
        plan = coop.distribute(conn, ledger_at(CLOSE), 2025, CLOSE)
        assert (plan.surplus, plan.reserve, plan.education) == (1_000_000, 100_000, 10_000)
        assert plan.shares == {
            "ana": 222_500,
            "beto": 222_500,
            "carla": 222_500,
            "dan": 148_333,
            "eva": 74_167,
        }
        assert sum(plan.shares.values()) == plan.to_members == 890_000
        assert coop.statement(conn, "eva") == [(2025, 1, 74_167)]
        ledger = ledger_at(CLOSE)
        after = [ledger.account(conn, a).balance for a in accounts]
        # The reserve grew by 100,000; the year's 1,200,000 of fees closed; surplus passed through.
        assert [a - b for a, b in zip(after, before, strict=True)] == [100_000, -1_200_000, 0]
        assert trial_balance(conn).total_posted == 0


def test_distributing_a_year_twice_is_409_and_writes_nothing(services: Services) -> None:
    books(services, 2024)
    with services.db.begin() as conn:
        coop.distribute(conn, ledger_at(CLOSE), 2024, CLOSE)
    with pytest.raises(FhirError) as caught, services.db.begin() as conn:
        coop.distribute(conn, ledger_at(CLOSE), 2024, CLOSE)
    assert caught.value.status == 409
    with services.db.begin() as conn:
        assert coop.statement(conn, "ana") == [(2024, 4, 222_500)]


def test_bylaws_below_the_legal_minimums_are_400(services: Services) -> None:
    books(services, 2023)
    with services.db.begin() as conn, pytest.raises(FhirError) as caught:
        coop.compute(conn, 2023, coop.Bylaws(reserve_percent=5, education_percent=0))
    assert caught.value.status == 400
    assert [i.expression for i in caught.value.issues] == ["reserve_percent", "education_percent"]


def test_capital_certificates_and_refund_after_withdrawal(services: Services) -> None:
    books(services, 2022)
    with services.db.begin() as conn:
        ledger = ledger_at(MID_2025)
        start = coop.capital_balance(conn, ledger, "ana")  # another run's refund left 0
        assert start == 0
        first = coop.contribute(conn, ledger, "ana", 50_000)
        coop.contribute(conn, ledger, "ana", 25_000)
        assert coop.capital_balance(conn, ledger, "ana") == 75_000
        # Both posted at the same fixed clock instant: the ledger's order between them is by id.
        held = {c.number: c.amount for c in coop.certificates(conn, ledger, "ana")}
        assert sorted(held.values()) == [25_000, 50_000] and held[first.number] == 50_000
        coop.change_status(conn, "ana", "withdrawn", CLOSE, "moving", "ana")
        back = coop.refund(conn, ledger, "ana")
        assert back is not None and back.amount == -75_000
        assert coop.capital_balance(conn, ledger, "ana") == 0
