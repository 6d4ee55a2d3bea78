"""The demo's reports (issue 14 "Done when", run by `enlace vigilance demo` and
`enlace registry demo-cases` after `sim run`), both idempotent:

- `seed_adverse_events`: adverse-event reports by people of the population drawn from the
  vigilance actor's model (background drug and reaction mix plus its seeded association,
  enalapril -> cough five times background), recorded through the module's capture on days of
  the simulated period, so detection has a signal to find. Skipped when reports exist already.
- `seed_registry_cases`: the simulated network diagnoses no cancers nor rare diseases, so the
  demo records a few (ICD-10, by the state's high-specialty hospital as the institution), which
  the disease registries then select and receive by subscription. Fixed ids: written once.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules import catalog, vigilance
from enlace.sim.actor import World
from enlace.sim.actors.vigilance import (
    CLINICIAN_SHARE,
    DRUGS,
    EVENTS,
    SERIOUS_SHARE,
    Seed,
    event_shares,
)
from enlace.sim.population import Person

ICD10 = "http://hl7.org/fhir/sid/icd-10"
# (ICD-10, display, share of the demo's cases)
CASES: tuple[tuple[str, str, float], ...] = (
    ("C50.9", "Tumor maligno de la mama, parte no especificada", 0.3),
    ("C61", "Tumor maligno de la próstata", 0.2),
    ("C18.9", "Tumor maligno del colon, parte no especificada", 0.15),
    ("C53.9", "Tumor maligno del cuello del útero, sin otra especificación", 0.15),
    ("E84.9", "Fibrosis quística, sin otra especificación", 0.1),
    ("D66", "Deficiencia hereditaria del factor VIII", 0.1),
)
CASE_SHARE = 0.02  # of the population, at least MIN_CASES
MIN_CASES = 8


def seed_adverse_events(
    services: Services, world: World, days_run: int, count: int, seed: Seed | None = None
) -> int:
    """Record `count` reports (0 when any AdverseEvent exists); how many were recorded."""
    planted = seed or Seed()
    with services.db.read() as conn:
        if services.repo.scan(conn, "AdverseEvent", after=None, limit=1):
            return 0
    rng = random.Random(f"vigilance-demo:{world.seed}")
    days = max(1, days_run)
    with services.db.begin() as conn:
        for _ in range(count):
            person = rng.choice(world.people)
            drug = rng.choices(DRUGS, weights=[d[2] for d in DRUGS])[0]
            event = rng.choices(EVENTS, weights=list(event_shares(planted, drug[0])))[0]
            day = world.date_of(rng.randrange(days))
            now_us = epoch_us(datetime.combine(day, time(18), tzinfo=UTC))
            suspect = vigilance.SuspectDrug(drug[0], drug[1])
            serious = rng.random() < SERIOUS_SHARE
            patient = world.patient_id(person.index)
            if rng.random() < CLINICIAN_SHARE:
                vigilance.from_clinician(
                    conn,
                    services.repo,
                    patient,
                    "sim-clinician",
                    suspect,
                    (event[0], event[1]),
                    day,
                    serious,
                    True,
                    now_us,
                )
            else:
                vigilance.from_patient(
                    conn, services.repo, patient, suspect, event[2], day, serious, now_us
                )
    return count


def seed_registry_cases(services: Services, world: World, days_run: int) -> list[str]:
    """Write the demo's registry Conditions not written yet; their ids (all of them)."""
    rng = random.Random(f"registry-demo:{world.seed}")
    wanted = max(MIN_CASES, round(len(world.people) * CASE_SHARE))
    chosen = rng.sample(world.people, min(wanted, len(world.people)))
    ids = []
    with services.db.begin() as conn:
        for number, person in enumerate(chosen):
            code = CASES[number % len(CASES)] if number < len(CASES) else _draw(rng)
            condition = _condition(world, person, code, rng.randrange(max(1, days_run)))
            cid = f"reg-{world.patient_id(person.index)}-{code[0].replace('.', '')}"
            if services.repo.current(conn, "Condition", cid) is None:
                services.repo.update(conn, condition, cid)
            ids.append(cid)
    return ids


def _draw(rng: random.Random) -> tuple[str, str, float]:
    return rng.choices(CASES, weights=[c[2] for c in CASES])[0]


def _condition(
    world: World, person: Person, code: tuple[str, str, float], day: int
) -> dict[str, object]:
    institution = _institution(person)
    recorded = world.date_of(day)
    return {
        "resourceType": "Condition",
        "meta": {"source": f"urn:enlace:{institution}"},
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
        "code": {"coding": [{"system": ICD10, "code": code[0], "display": code[1]}]},
        "subject": {"reference": f"Patient/{world.patient_id(person.index)}"},
        "recordedDate": recorded.isoformat(),
    }


def _institution(person: Person) -> str:
    """`org-<slug>` of the high-specialty hospital of the person's state (else any hospital)."""
    state = person.municipality[:2]
    found = catalog.facilities(state, "hospital-l3") or catalog.facilities(state, "hospital-l2")
    return f"org-{found[0].slug}" if found else "org-unknown"
