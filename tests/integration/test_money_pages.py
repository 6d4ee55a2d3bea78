"""The money pages through the HTTP app on both stores: a patient's explanations of benefits and
family wallet, a pharmacy's receivables. Claims go through claims.submit (as the pharmacy would);
who may see what, and bad input as a friendly 4xx page, never a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules import finance
from enlace.security.access import Access
from tests.integration.claims.claims_support import (
    METFORMIN_GTIN,
    PHARMACY,
    claim,
    claims_world,
    new_serial,
    supply,
)
from tests.integration.finance.conftest import empty_finance_tables
from tests.integration.test_web_shell import cheap_hasher, sign_in_as
from tests.support.fhir_calls import body_of, call

__all__ = ["cheap_hasher"]  # the fixture, used by every test here

OWN_PHARMACY_ORG = f"org-{PHARMACY}"


def submit(services: Services, serials: list[str]) -> dict[str, object]:
    response = call(services, Access.internal(), "POST", "Claim/$submit", claim(serials))
    assert response.status == 200, response.body
    return body_of(response)


@pytest.fixture
def world(services: Services) -> Services:
    empty_finance_tables(services.db)
    claims_world(services)
    return services


@pytest.fixture
def web(world: Services) -> Iterator[TestClient]:
    with TestClient(create_app(world), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def claimed(world: Services) -> tuple[str, str]:
    """One approved claim (a dispensed pack) and one refused as phantom (never dispensed)."""
    good, phantom = new_serial(), new_serial()
    supply(world, good)
    supply(world, phantom, dispense_at=None)
    assert submit(world, [good])["outcome"] == "complete"
    assert submit(world, [phantom])["outcome"] == "error"
    return good, phantom


def as_patient(services: Services, web: TestClient, patient: str = "p-imss") -> None:
    sign_in_as(
        services,
        web,
        f"pac-{patient}",
        "patient",
        fhir_user=f"Patient/{patient}",
        patients=(patient,),
    )


def test_patient_sees_their_explanations_of_benefits(
    web: TestClient, world: Services, claimed: tuple[str, str]
) -> None:
    good, _phantom = claimed
    as_patient(world, web)
    page = web.get("/my/claims")
    assert page.status_code == 200, page.text
    text = page.text
    assert text.count('<tr id="eob-') == 2 and "<caption>" in text
    assert "Aprobada" in text and "Rechazada" in text
    assert "No hay registro de que el empaque se le haya entregado" in text
    assert f'href="/01/{METFORMIN_GTIN}/10/L1/21/{good}?17=271231"' in text
    assert 'href="/my/claims"' in text and 'aria-current="page"' in text
    year = re.search(r'id="year-plan">([^<]+)<', text)
    you = re.search(r'id="year-you">([^<]+)<', text)
    assert year is not None and you is not None
    # The approved pack's 45.00 split between the plan and the patient; the phantom adds nothing.
    plan, own = (
        int(m.group(1).replace("$", "").replace(",", "").replace(".", "")) for m in (year, you)
    )
    assert plan + own == 4_500 and plan > 0
    assert "<script" not in text and "style=" not in text
    english = web.get("/my/claims", params={"lang": "en"}).text
    assert "Approved" in english and "Plan paid" in english


def test_no_claims_and_paging(web: TestClient, world: Services) -> None:
    as_patient(world, web, "p-gmm")
    page = web.get("/my/claims")
    assert page.status_code == 200 and 'id="no-claims"' in page.text
    second = web.get("/my/claims", params={"page": "2"})
    assert second.status_code == 200 and 'id="previous"' in second.text


@pytest.mark.parametrize("page", ["0", "-1", "abc", "501", "9" * 30])
def test_bad_page_number_is_a_400(web: TestClient, world: Services, page: str) -> None:
    as_patient(world, web)
    response = web.get("/my/claims", params={"page": page})
    assert response.status_code == 400
    assert "El número de página no es válido." in response.text


def test_another_patients_claims_are_not_found(
    web: TestClient, world: Services, claimed: tuple[str, str]
) -> None:
    as_patient(world, web, "p-gmm")
    assert 'id="no-claims"' in web.get("/my/claims").text  # p-imss's EOBs are not theirs
    response = web.get("/my/claims", params={"patient": "p-imss"})
    assert response.status_code == 404 and "No encontramos esa página" in response.text
    assert web.get("/my/wallet", params={"patient": "p-imss"}).status_code == 404


def test_caregiver_picks_a_patient(
    web: TestClient, world: Services, claimed: tuple[str, str]
) -> None:
    sign_in_as(world, web, "cuidador", "caregiver", patients=("p-gmm", "p-imss"))
    first = web.get("/my/claims")
    assert 'id="no-claims"' in first.text and '<select id="patient"' in first.text
    chosen = web.get("/my/claims", params={"patient": "p-imss"})
    assert chosen.text.count('<tr id="eob-') == 2


@pytest.mark.parametrize("path", ["/my/claims", "/my/wallet"])
def test_other_roles_may_not_see_patient_money(web: TestClient, world: Services, path: str) -> None:
    sign_in_as(world, web, "dra", "physician")
    assert web.get(path).status_code == 403
    web.cookies.clear()
    anonymous = web.get(path, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def open_family_wallet(services: Services) -> None:
    ledger = finance.Ledger(clock=services.repo.clock)
    wallets = finance.Wallets(ledger)
    with services.db.begin() as conn:
        ledger.open_account(conn, "bank", "asset")
        ledger.open_account(conn, "pharmacy-payable:x", "liability")
        wallets.open_wallet(conn, "fam-imss", owner="Patient/p-imss")
        wallets.set_member(conn, "fam-imss", "Patient/p-imss", 80_000)
        wallets.set_member(conn, "fam-imss", "Patient/p-gmm", 20_000)
        for _ in range(22):
            wallets.deposit(conn, "fam-imss", "Patient/p-imss", 10_000, source_account="bank")
        held = wallets.charge(
            conn, "fam-imss", "Patient/p-imss", 12_345, payee_account="pharmacy-payable:x"
        )
        wallets.settle(conn, held.hold_id)


def test_wallet_page(web: TestClient, world: Services) -> None:
    as_patient(world, web)
    none = web.get("/my/wallet")
    assert none.status_code == 200 and "No forma parte de ningún monedero" in none.text
    open_family_wallet(world)
    page = web.get("/my/wallet")
    assert page.status_code == 200, page.text
    text = page.text
    assert 'id="balance">$2,076.55<' in text and 'id="cap">$800.00<' in text
    assert 'id="spent">$123.45<' in text and 'id="left">$676.55<' in text
    assert text.count("<tr>") == 21  # header row and 20 entries, newest (the charge) first
    assert text.index("Cargo") < text.index("Depósito")
    older = re.search(r'id="next" href="([^"]+)"|href="([^"]+)" rel="next" id="next"', text)
    assert older is not None
    rest = web.get((older.group(1) or older.group(2)).replace("&amp;", "&"))
    assert rest.status_code == 200 and rest.text.count("Depósito") == 3  # 23 entries in all
    assert web.get("/my/wallet", params={"after": "not-a-cursor"}).status_code == 400
    assert web.get("/my/wallet", params={"wallet": "someone-elses"}).status_code == 404


def as_pharmacist(services: Services, web: TestClient, org: str = OWN_PHARMACY_ORG) -> None:
    sign_in_as(services, web, "farmacia", "pharmacist", organization=org)


def test_pharmacist_sees_their_receivables(
    web: TestClient, world: Services, claimed: tuple[str, str]
) -> None:
    as_pharmacist(world, web)
    page = web.get("/pharmacy/receivables")
    assert page.status_code == 200, page.text
    text = page.text
    balances = text[text.index('id="balances"') : text.index("</table>")]
    # IMSS pays the whole 45.00 (no copay account is opened for a zero copay).
    assert "$45.00" in balances and "31\u201360" in balances and "Copagos" not in balances
    assert 'id="total">$45.00<' in text
    assert "Claim/" in text and text.count('class="list movements"') == 1
    assert web.get("/pharmacy/receivables", params={"pharmacy": PHARMACY}).status_code == 200


def test_pharmacist_may_not_see_another_pharmacy(web: TestClient, world: Services) -> None:
    as_pharmacist(world, web)
    other = web.get("/pharmacy/receivables", params={"pharmacy": "pharmacy-imss-09003"})
    assert other.status_code == 403 and "Acceso no permitido" in other.text


def test_administrator_chooses_a_pharmacy(
    web: TestClient, world: Services, claimed: tuple[str, str]
) -> None:
    sign_in_as(world, web, "admin", "administrator")
    chooser = web.get("/pharmacy/receivables")
    assert chooser.status_code == 200 and f'<option value="{PHARMACY}"' in chooser.text
    chosen = web.get("/pharmacy/receivables", params={"pharmacy": PHARMACY})
    assert 'id="total">$45.00<' in chosen.text
    account = f"receivable:{PHARMACY}:imss"
    one = web.get("/pharmacy/receivables", params={"pharmacy": PHARMACY, "account": account})
    assert one.status_code == 200 and 'id="all-accounts"' in one.text
    empty = web.get("/pharmacy/receivables", params={"pharmacy": "pharmacy-imss-09003"})
    assert empty.status_code == 200 and 'id="no-receivables"' in empty.text


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"pharmacy": "no-such-pharmacy"}, 404),
        ({"pharmacy": "../etc"}, 400),
        ({"pharmacy": "x" * 200}, 400),
        ({"pharmacy": PHARMACY, "account": "bank"}, 404),
        (
            {
                "pharmacy": PHARMACY,
                "account": f"receivable:{PHARMACY}:imss",
                "before": "x",
            },
            400,
        ),
    ],
)
def test_bad_receivables_input(
    web: TestClient,
    world: Services,
    claimed: tuple[str, str],
    params: dict[str, str],
    status: int,
) -> None:
    sign_in_as(world, web, "admin", "administrator")
    response = web.get("/pharmacy/receivables", params=params)
    assert response.status_code == status
    assert "Traceback" not in response.text


def test_patients_may_not_see_receivables(web: TestClient, world: Services) -> None:
    as_patient(world, web)
    assert web.get("/pharmacy/receivables").status_code == 403


def test_copays_and_ageing(web: TestClient, world: Services, claimed: tuple[str, str]) -> None:
    """Copays owed by patients (posted directly through finance, 45 days ago) sit in their own
    row and age into 31-60 days; the payer's claim from today stays in 0-30."""
    now = world.repo.clock()
    earlier = finance.Ledger(clock=lambda: now - timedelta(days=45))
    copay = f"copay-receivable:{PHARMACY}"
    with world.db.begin() as conn:
        earlier.open_account(conn, copay, "asset", owner=f"Organization/org-{PHARMACY}")
        transfer = finance.Transfer.between(
            copay, f"income:dispensing:{PHARMACY}", 1_250, reference="Claim/old-copay"
        )
        earlier.post_transfer(conn, transfer)
    as_pharmacist(world, web)
    text = web.get("/pharmacy/receivables").text
    rows = re.findall(r"<tr>\s*<th scope=\"row\">([^<]+)</th>((?:\s*<td>[^<]*</td>)+)", text)
    cells = {name.strip(): re.findall(r"<td>([^<]*)</td>", tds) for name, tds in rows}
    assert cells["Copagos de pacientes"][:3] == ["$12.50", "$0.00", "$12.50"]
    payer = next(v for k, v in cells.items() if k != "Copagos de pacientes" and len(v) == 5)
    assert payer[:3] == ["$45.00", "$45.00", "$0.00"]
    assert 'id="total">$57.50<' in text and "Claim/old-copay" in text


def test_pages_have_no_unfilled_keys(
    web: TestClient, world: Services, claimed: tuple[str, str]
) -> None:
    open_family_wallet(world)
    as_patient(world, web)
    for path in ("/my/claims", "/my/wallet", "/my/claims?lang=en", "/my/wallet?lang=en"):
        text = web.get(path).text
        assert not re.search(r">\s*[a-z_]+\.[a-z_.\-]+\s*<", text), path
    web.cookies.clear()
    as_pharmacist(world, web)
    for path in ("/pharmacy/receivables", "/pharmacy/receivables?lang=en"):
        assert not re.search(r">\s*[a-z_]+\.[a-z_.\-]+\s*<", web.get(path).text), path
