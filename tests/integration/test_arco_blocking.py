"""ARCO cancellation blocks (never deletes) and opposition denies, on both stores."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.security import arco, arco_export, blocking
from enlace.security.access import Access
from enlace.security.arco_execute import DEFAULT_RETENTION_REASON
from enlace.security.scopes import parse_scopes
from enlace.security.tables import blocked_resources
from enlace.store.schema import resources
from tests.support.arco_world import (
    admin,
    body_of,
    build_world,
    call,
    keys,
    parameters,
    patient,
    payer,
    physician,
    regulator,
)

NOW = 1_780_000_000_000_000  # 2026-05-28


@pytest.fixture
def world(services: Services) -> Services:
    return build_world(services)


def carry_out(world: Services, kind: str, details: Any, **execute: Any) -> arco.ArcoRequest:
    """File, accept and execute one request of Patient/p1."""
    with world.db.begin() as conn:
        filed = arco.file_request(
            conn,
            patient_id="p1",
            kind=kind,
            details=details,
            now_us=NOW,
            settings=world.settings,
        )
        arco.answer(
            conn, filed.id, accepted=True, reason="Procede", now_us=NOW, settings=world.settings
        )
        return arco.execute(
            conn, filed.id, now_us=NOW, settings=world.settings, repo=world.repo, **execute
        )


def blocked(world: Services) -> dict[tuple[str, str], str]:
    b = blocked_resources.c
    with world.db.read() as conn:
        rows = conn.execute(select(b.resource_type, b.id, b.reason, b.patient_id))
        return {(row[0], row[1]): row[2] for row in rows if row[3] == "p1"}


def test_cancellation_blocks_the_listed_resources_and_keeps_them(world: Services) -> None:
    done = carry_out(world, "cancellation", {"resources": ["Observation/o1"]})
    assert done.status == arco.EXECUTED
    assert blocked(world) == {("Observation", "o1"): DEFAULT_RETENTION_REASON}
    assert done.details["result"]["reason"].startswith("NOM-004-SSA3-2012")
    # Never destroyed: the platform still reads it, its history is intact.
    internal = Access.internal()
    assert call(world, internal, "GET", "Observation/o1").status == 200
    assert call(world, internal, "GET", "Observation/o1/_history").status == 200
    r = resources.c
    condition = blocking.blocked_condition("Observation")
    assert condition is not None
    with world.db.read() as conn:
        open_rows = select(r.id).where(r.resource_type == "Observation", ~condition)
        assert {row[0] for row in conn.execute(open_rows)} == {"o1v", "o2"}
        alias = resources.alias("other")
        aliased = blocking.blocked_condition("Observation", alias)
        assert aliased is not None
        shut = select(alias.c.id).where(alias.c.resource_type == "Observation", aliased)
        assert [row[0] for row in conn.execute(shut)] == ["o1"]
    assert blocking.blocked_condition("Medication") is None  # never patient data


def test_who_may_see_blocked_data() -> None:
    assert blocking.may_see_blocked(Access.internal())
    assert blocking.may_see_blocked(regulator())
    assert blocking.may_see_blocked(admin())
    assert not blocking.may_see_blocked(physician())
    assert not blocking.may_see_blocked(patient())


def test_cancelling_everything_blocks_the_record_and_nothing_else(world: Services) -> None:
    done = carry_out(
        world, "cancellation", {"scope": "all"}, retention_reason="Ley General de Salud"
    )
    record = {("Patient", "p1"), ("Observation", "o1"), ("Observation", "o1v")}
    record |= {("MedicationRequest", "mr1"), ("Claim", "c1")}
    assert set(blocked(world)) == record
    assert set(blocked(world).values()) == {"Ley General de Salud"}
    assert done.details["result"]["blocked"] == len(record)
    with world.db.read() as conn:
        others = blocking.blocked_keys(
            conn, [("Patient", "p2"), ("Practitioner", "dr1"), ("Medication", "met")]
        )
    assert others == set()
    # A later access request copies only what is not blocked, and says what is kept and why.
    access = carry_out(world, "access", None)
    exported = orjson.loads(arco_export.export_path(world.settings, access.id).read_bytes())
    note = exported["entry"][0]["resource"]["text"]["div"]
    assert f"{len(record)} registros están bloqueados" in note and "Ley General de Salud" in note
    assert [e["resource"]["resourceType"] for e in exported["entry"]] == ["Basic"]


def test_blocked_data_is_hidden_from_a_physician_but_not_from_a_regulator(
    world: Services,
) -> None:
    carry_out(world, "cancellation", {"resources": ["Observation/o1"]})
    doctor, inspector = physician(), regulator()
    assert call(world, inspector, "GET", "Observation/o1").status == 200
    assert "Observation/o1" in keys(call(world, inspector, "GET", "Observation?subject=p1"))
    # --- depends on the NOT-blocked wiring in Visibility (the lead's) ---
    assert call(world, doctor, "GET", "Observation/o1").status == 404
    assert call(world, doctor, "GET", "Observation/o1/_history").status == 404
    assert keys(call(world, doctor, "GET", "Observation?subject=p1")) == {"Observation/o1v"}
    everything = keys(call(world, doctor, "GET", "Patient/p1/$everything"))
    assert "Observation/o1" not in everything and "Observation/o1v" in everything
    assert call(world, patient(), "GET", "Observation/o1").status == 404


def test_opposing_an_organization_denies_it_the_record(world: Services) -> None:
    insurer, other = payer("ins1"), payer("ins2")
    assert keys(call(world, insurer, "GET", "Claim")) == {"Claim/c1", "Claim/c2"}
    done = carry_out(world, "opposition", {"actor": "Organization/ins1"})
    consent_ref = done.details["result"]["consent"]
    stored = body_of(call(world, Access.internal(), "GET", consent_ref))
    assert world.validate(stored, "Consent") == []
    assert stored["identifier"][0]["value"] == done.id
    assert stored["patient"] == {"reference": "Patient/p1"}
    assert keys(call(world, insurer, "GET", "Claim")) == {"Claim/c2"}  # p2 did not oppose
    assert call(world, insurer, "GET", "Claim/c1").status == 404
    assert call(world, insurer, "GET", "Patient/p1").status == 404
    assert call(world, other, "GET", "Claim/c1").status == 404  # ins2 never insured p1's claim
    assert call(world, patient(), "GET", "Claim/c1").status == 200  # never hidden from p1


def test_opposing_research_denies_researchers_only(world: Services) -> None:
    research = Access(
        "cohort-app", "client", parse_scopes("system/Observation.rs"), purpose="HRESCH"
    )
    assert keys(call(world, research, "GET", "Observation")) == {
        "Observation/o1",
        "Observation/o1v",
        "Observation/o2",
    }
    carry_out(world, "opposition", {"purpose": "HRESCH"})
    assert keys(call(world, research, "GET", "Observation")) == {"Observation/o2"}
    assert call(world, physician(), "GET", "Observation/o1").status == 200  # treatment goes on


def test_an_opposition_filed_over_fhir_ends_in_a_consent(world: Services) -> None:
    me = patient()
    asked = parameters(kind="opposition", details={"purpose": "HMARKT"})
    filed = call(world, me, "POST", "Patient/p1/$arco-request", asked)
    assert filed.status == 201, filed.body
    task_id = body_of(filed)["id"]
    accept = parameters(request=task_id, accepted=True, reason="Procede")
    assert call(world, admin(), "POST", "$arco-answer", accept).status == 200
    executed = call(world, admin(), "POST", "$arco-execute", parameters(request=task_id))
    assert executed.status == 200, executed.body
    outputs = {o["type"]["text"]: o for o in body_of(executed)["output"]}
    consent = outputs["consent"]["valueReference"]["reference"]
    assert consent in keys(call(world, me, "GET", "Consent?patient=p1"))
