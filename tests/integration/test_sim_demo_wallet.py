"""The demo's family wallet (`enlace sim accounts`): opened for the demo patient's household,
funded once with one copay paid, and nothing recorded twice when the accounts are made again."""

from __future__ import annotations

from enlace.interactions.context import Services
from enlace.modules import finance
from enlace.sim.accounts import DemoAccount, open_family_wallet
from tests.integration.finance.conftest import empty_finance_tables

PLANNED = [
    DemoAccount("farmacia", "pharmacist", "Farmacia", "org-pharmacy-imss-09015"),
    DemoAccount("paciente", "patient", "Ana", fhir_user="Patient/p-1", patients=("p-1",)),
    DemoAccount("cuidador", "caregiver", "Cuidador", patients=("p-1", "p-2")),
]


def test_demo_wallet_is_opened_once(services: Services) -> None:
    empty_finance_tables(services.db)
    ledger = finance.Ledger(clock=services.repo.clock)
    wallets = finance.Wallets(ledger)
    for _ in range(2):
        with services.db.begin() as conn:
            wallet_id = open_family_wallet(services, conn, PLANNED)
    assert wallet_id == "familia-p-1"
    with services.db.begin() as conn:
        members = finance.member_wallets(conn, ["Patient/p-1", "Patient/p-2"])
        assert [(m.member, m.monthly_cap) for m in members] == [
            ("Patient/p-1", 100_000),
            ("Patient/p-2", 50_000),
        ]
        statement = finance.member_statement(conn, wallets, wallet_id, "Patient/p-1")
        assert [(e.kind, e.amount, e.status) for e in statement.entries] == [
            ("charge", 8_550, "posted"),
            ("deposit", 200_000, "posted"),
        ]
        assert statement.spent == 8_550 and statement.wallet_available == 191_450
        payee = ledger.account(conn, "pharmacy-payable:org-pharmacy-imss-09015")
        assert payee.balance == 8_550 and finance.trial_balance(conn).balanced
