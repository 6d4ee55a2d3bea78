"""Prior authorization: a biologic under the IMSS plan is paid only when the claim cites an
approved preauthorization of it, for the same patient and coverage, within its period."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from enlace.interactions.context import Services
from enlace.modules import claims
from enlace.modules.catalog import formulary
from enlace.modules.coverage import fhir_map, plan_for
from enlace.store.bulk import PutItem
from tests.integration.claims.claims_support import claim, claims_world, new_serial, supply

ADALIMUMAB = next(m for m in formulary() if m.slug == "adalimumab-40-syringe")
PRICE = ADALIMUMAB.price_centavos / 100
ETANERCEPT = next(m for m in formulary() if m.slug == "etanercept-50-syringe")


def second_affiliate(world: Services) -> None:
    imss = plan_for("imss")
    assert imss is not None
    resources = [
        {"resourceType": "Patient", "id": "p-imss-2"},
        fhir_map.coverage("p-imss-2-cov", "p-imss-2", imss, date(2025, 1, 1)),
    ]
    with world.db.begin() as conn:
        world.repo.put_many(conn, [PutItem(r) for r in resources])


@pytest.fixture
def world(services: Services) -> Services:
    return claims_world(services)


def submit(world: Services, body: dict[str, Any]) -> dict[str, Any]:
    with world.db.begin() as conn:
        return claims.submit(world, conn, body)


def biologic_claim(serial: str | None, refs: tuple[str, ...] = (), **change: Any) -> dict[str, Any]:
    body = claim([serial] if serial else ["unused"], gtin=ADALIMUMAB.gtin, price=PRICE, **change)
    if serial is None:  # a question before dispensing names no pack
        body["use"] = "preauthorization"
        del body["item"][0]["extension"]
    if refs:
        body["insurance"][0]["preAuthRef"] = list(refs)
    return body


def reasons(response: dict[str, Any]) -> list[str]:
    return [e["code"]["coding"][0]["code"] for e in response.get("error", [])]


def test_a_biologic_without_authorization_is_refused_and_its_pack_stays_claimable(
    world: Services,
) -> None:
    serial = new_serial()
    supply(world, serial, gtin=ADALIMUMAB.gtin)
    refused = submit(world, biologic_claim(serial))
    assert refused["outcome"] == "error" and reasons(refused) == ["prior-authorization"]
    assert "none cited" in refused["disposition"]
    asked = submit(world, biologic_claim(None))
    assert asked["outcome"] == "complete", asked["disposition"]
    ref = asked["preAuthRef"]
    assert ref.startswith("pa-") and asked["preAuthPeriod"]["start"] == "2026-02-01"
    paid = submit(world, biologic_claim(serial, (ref,)))
    assert paid["outcome"] == "complete", paid["disposition"]
    benefit = paid["item"][0]["adjudication"][2]["extension"][0]["valueInteger"]
    assert benefit > 0


def test_a_preauthorization_records_nothing(world: Services) -> None:
    submit(world, biologic_claim(None))
    with world.db.read() as conn:
        assert list(claims.claim_lines(conn)) == []
        assert conn.exec_driver_sql("SELECT count(*) FROM coverage_accumulators").scalar() == 0


@pytest.mark.parametrize(
    ("cited", "why"),
    [
        ("pa-nobody", "an unknown reference"),
        ("other-patient", "another patient's authorization"),
        ("other-medicine", "an authorization of another medicine"),
        ("expired", "outside its period"),
    ],
)
def test_an_invalid_citation_does_not_authorize(world: Services, cited: str, why: str) -> None:
    serial = new_serial()
    supply(world, serial, gtin=ADALIMUMAB.gtin)
    if cited == "other-patient":
        second_affiliate(world)
        asked = submit(world, biologic_claim(None, patient="p-imss-2", coverage="p-imss-2-cov"))
        cited = asked["preAuthRef"]
    elif cited == "other-medicine":
        body = biologic_claim(None)
        body["item"][0]["productOrService"]["coding"][0]["code"] = ETANERCEPT.gtin
        cited = submit(world, body)["preAuthRef"]
    elif cited == "expired":
        cited = submit(world, biologic_claim(None, on="2025-06-01"))["preAuthRef"]
    response = submit(world, biologic_claim(serial, (cited,)))
    assert reasons(response) == ["prior-authorization"], why
    assert cited in response["disposition"]


def test_metformin_needs_no_authorization(world: Services) -> None:
    serial = new_serial()
    supply(world, serial)
    assert submit(world, claim([serial]))["outcome"] == "complete"
