"""The patient journey end to end on both stores: a physician prescribes (coverage at order),
the pharmacist scans and dispenses (verified, stock issued, traced, claimed), the refill job
orders the opted-in refill ahead of its due date, and the day's delivery routes carry it home
(a SupplyDelivery with its expected time); a patient whose address has no coordinates is
reported, not routed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pytest

from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.modules import pharmacy, trace
from enlace.security.access import Access
from enlace.security.roles import ceiling
from enlace.store.bulk import PutItem
from tests.integration.claims.claims_support import PHARMACY
from tests.integration.pharmacy.dispense_support import dispense_params, pharmacy_world, stock
from tests.support.fhir_calls import body_of, call
from tests.support.prescriptions import metformin_rx

GEO = "http://hl7.org/fhir/StructureDefinition/geolocation"
CENTRAL = timezone(timedelta(hours=-6))
HOME = (19.4040, -99.1540)  # Colonia Roma, Mexico City: near the IMSS pharmacy of the tests


@pytest.fixture
def world(services: Services) -> Services:
    world = pharmacy_world(services)
    lat, lon = HOME
    located = {
        "resourceType": "Patient",
        "id": "p-imss",
        "address": [
            {
                "city": "Ciudad de México",
                "extension": [
                    {
                        "url": GEO,
                        "extension": [
                            {"url": "latitude", "valueDecimal": lat},
                            {"url": "longitude", "valueDecimal": lon},
                        ],
                    }
                ],
            }
        ],
    }
    with world.db.begin() as conn:
        world.repo.put_many(conn, [PutItem(located)])
    return world


def as_user(role: str, **fields: Any) -> Access:
    return Access(
        f"u-{role}", "user", ceiling(role, fields.get("organization")), role=role, **fields
    )


def home_delivery_rx(patient: str) -> dict[str, Any]:
    body = metformin_rx(
        subject={"reference": f"Patient/{patient}"},
        extension=[
            {"url": pharmacy.FULFILMENT_EXTENSION, "valueCode": "home-delivery"},
            {"url": pharmacy.AUTO_REFILL_EXTENSION, "valueBoolean": True},
        ],
    )
    body["dispenseRequest"]["performer"] = {"reference": f"Organization/org-{PHARMACY}"}
    return body


def prescribe(world: Services, patient: str) -> tuple[str, dict[str, Any]]:
    physician = as_user("physician", fhir_user="Practitioner/dr-1")
    answer = call(
        world, physician, "POST", "MedicationRequest/$prescribe", home_delivery_rx(patient)
    )
    assert answer.status == 200, body_of(answer)
    parts = {p["name"]: p for p in body_of(answer)["parameter"]}
    coverage = {
        q["name"]: next(v for k, v in q.items() if k.startswith("value"))
        for q in parts["coverage"]["part"]
    }
    return parts["prescription"]["resource"]["id"], coverage


def test_prescribe_dispense_refill_deliver(world: Services) -> None:
    rx, coverage = prescribe(world, "p-imss")
    assert coverage["covered"] is True and coverage["patientCostCentavos"] == 0
    unlocated, _ = prescribe(world, "p-gmm")  # the GMM patient's record has no address
    packs = stock(world, 4)
    pharmacist = as_user("pharmacist", organization=f"org-{PHARMACY}")
    for prescription, scanned in ((rx, packs[:2]), (unlocated, packs[2:])):
        answer = call(
            world,
            pharmacist,
            "POST",
            "MedicationDispense/$dispense",
            dispense_params(prescription, scanned),
        )
        assert answer.status == 200, body_of(answer)
    dispensed = {p["name"]: p for p in body_of(answer)["parameter"]}
    with world.db.read() as conn:
        assert trace.verify_pack(conn, packs[0], date(2026, 2, 2)).status == "already_dispensed"
    claim = dispensed["claimResponse"]["resource"]  # the GMM patient's, adjudicated at once
    assert claim["use"] == "claim" and claim["outcome"] in ("complete", "partial", "error")
    with world.db.begin() as conn:  # the fill of 2026-02-02 lasts 30 days: due 03-04
        refills = pharmacy.plan_refills(world, conn, date(2026, 2, 28))
    assert refills.refill_orders == 2
    with world.db.begin() as conn:
        report = pharmacy.plan_deliveries(
            world, conn, date(2026, 3, 2), seconds=2, solution_limit=20
        )
    assert report.orders == 2 and report.planned == 1 and report.routes == 1
    assert report.unplaced == {f"refill-{unlocated}-2": "no-coordinates"}
    with world.db.read() as conn:
        shipped = world.repo.read(
            conn, "SupplyDelivery", pharmacy.delivery_id(f"refill-{rx}-2", date(2026, 3, 2))
        ).resource()
        task = world.repo.read(conn, "Task", f"refill-{rx}-2").resource()
    assert shipped["status"] == "in-progress" and shipped["patient"] == {
        "reference": "Patient/p-imss"
    }
    assert shipped["suppliedItem"]["quantity"]["value"] == 2
    local = datetime.fromisoformat(shipped["occurrenceDateTime"]).astimezone(CENTRAL)
    assert local.date() == date(2026, 3, 2) and time(9) <= local.time() <= time(19)
    assert world.validate(shipped) == [] and task["status"] == "in-progress"
    with world.db.begin() as conn:  # the same day again: nothing new to route
        again = pharmacy.plan_deliveries(
            world, conn, date(2026, 3, 2), seconds=2, solution_limit=20
        )
    assert again.planned == 0


def test_a_failed_drop_is_planned_again_then_delivered(world: Services) -> None:
    rx, _ = prescribe(world, "p-imss")
    packs = stock(world, 2)
    pharmacist = as_user("pharmacist", organization=f"org-{PHARMACY}")
    dispensed = call(
        world, pharmacist, "POST", "MedicationDispense/$dispense", dispense_params(rx, packs)
    )
    assert dispensed.status == 200
    with world.db.begin() as conn:
        pharmacy.plan_refills(world, conn, date(2026, 2, 28))
        pharmacy.plan_deliveries(world, conn, date(2026, 3, 2), seconds=2, solution_limit=20)
    first = pharmacy.delivery_id(f"refill-{rx}-2", date(2026, 3, 2))
    with world.db.begin() as conn:
        with pytest.raises(FhirError) as bad:
            pharmacy.record_outcome(world, conn, first, "abducted", date(2026, 3, 2))
        assert bad.value.status == 400
        missed = pharmacy.record_outcome(world, conn, first, "nobody-home", date(2026, 3, 2))
    assert missed.status == "rescheduled" and missed.retry_on == date(2026, 3, 3)
    with world.db.begin() as conn:
        with pytest.raises(FhirError) as twice:
            pharmacy.record_outcome(world, conn, first, None, date(2026, 3, 2))
        assert twice.value.status == 409  # that drop was abandoned
        again = pharmacy.plan_deliveries(
            world, conn, date(2026, 3, 3), seconds=2, solution_limit=20
        )
    assert again.planned == 1
    second = pharmacy.delivery_id(f"refill-{rx}-2", date(2026, 3, 3))
    with world.db.begin() as conn:
        assert (
            pharmacy.record_outcome(world, conn, second, None, date(2026, 3, 3)).status
            == "delivered"
        )
    with world.db.read() as conn:
        task = world.repo.read(conn, "Task", f"refill-{rx}-2").resource()
        failed = world.repo.read(conn, "SupplyDelivery", first).resource()
    assert task["status"] == "completed" and failed["status"] == "abandoned"
    assert world.validate(task) == [] and world.validate(failed) == []


def test_the_deliveries_page_maps_the_day_and_takes_the_drivers_report(world: Services) -> None:
    import re

    from fastapi.testclient import TestClient

    from enlace.entrypoints.http.app import create_app
    from tests.integration.test_web_shell import sign_in_as

    rx, _ = prescribe(world, "p-imss")
    packs = stock(world, 2)
    pharmacist = as_user("pharmacist", organization=f"org-{PHARMACY}")
    call(world, pharmacist, "POST", "MedicationDispense/$dispense", dispense_params(rx, packs))
    with world.db.begin() as conn:
        pharmacy.plan_refills(world, conn, date(2026, 2, 28))
        pharmacy.plan_deliveries(world, conn, date(2026, 3, 2), seconds=2, solution_limit=20)
    with TestClient(create_app(world), base_url="http://testserver") as web:
        sign_in_as(world, web, "farm.rutas", "pharmacist", organization=f"org-{PHARMACY}")
        page = web.get("/pharmacy/deliveries?date=2026-03-02")
        assert page.status_code == 200 and 'id="route-map"' in page.text
        assert "<polyline" in page.text and 'id="stops"' in page.text
        assert web.get("/pharmacy/deliveries?date=ayer").status_code == 400
        empty = web.get("/pharmacy/deliveries?date=2026-03-09")
        assert 'id="none"' in empty.text
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token
        target = pharmacy.delivery_id(f"refill-{rx}-2", date(2026, 3, 2))
        done = web.post(
            f"/pharmacy/deliveries/{target}",
            data={"csrf": token.group(1), "outcome": "delivered"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        after = web.get("/pharmacy/deliveries?date=2026-03-02")
        assert "completed" in after.text and 'name="outcome"' not in after.text
        sign_in_as(world, web, "farm.otra", "pharmacist", organization="org-pharmacy-imss-09003")
        other = web.post(
            f"/pharmacy/deliveries/{target}", data={"csrf": token.group(1), "outcome": "delivered"}
        )
        assert other.status_code in (400, 404)  # not theirs to report
