"""The adherence daily job (`enlace adherence run`) on a demo-sized network.

.venv/bin/python bench/adherence_job.py [--db sqlite|postgres] [--patients 5000] [--repeats 3]

Writes, through FhirRepository.put_many, `--patients` Patients with two therapies each (a
metformin and a losartan presentation from the formulary), 6 monthly fills per therapy with
seeded lateness and a 10% chance of stopping, one prescription per therapy with its requester and
clinic, and an HbA1c per patient; trains nothing (a saved model is used when var/models holds
one: `--model DIR`). Then runs `service.run_daily` `--repeats` times on the same day (reruns of
a day: the idempotent path a scheduler retry takes) and reports the median seconds, therapies
per second and each step's share (read, measure, score, store, act, effect) of the median run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from common import database, emit
from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.modules.adherence import service
from enlace.store import migrate
from enlace.store.bulk import PutItem

AS_OF = date(2026, 6, 30)
MEDICINES = ("metformin-850-tab", "losartan-50-tab")


def network(patients: int, seed: int = 5) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    out: list[dict[str, Any]] = []
    for p in range(patients):
        pid = f"bp{p}"
        out.append(
            {
                "resourceType": "Patient",
                "id": pid,
                "gender": "female" if p % 2 else "male",
                "birthDate": f"{1940 + p % 50}-03-01",
                "address": [{"state": ("Jalisco", "Nuevo León", "Ciudad de México")[p % 3]}],
                "name": [{"family": f"Prueba {p}", "given": ["Ana"]}],
            }
        )
        out.append(_hba1c(pid, 6.5 + rng.random() * 3))
        for m, medicine in enumerate(MEDICINES):
            out.extend(_therapy(rng, pid, p, m, medicine))
    return out


def _therapy(
    rng: np.random.Generator, pid: str, p: int, m: int, medicine: str
) -> list[dict[str, Any]]:
    rx = f"brx{p}-{m}"
    encounter = f"benc{p}-{m}"
    clinic = f"org-bench-{p % 40}"
    found: list[dict[str, Any]] = [
        {
            "resourceType": "Encounter",
            "id": encounter,
            "status": "finished",
            "class": {"code": "AMB"},
            "subject": {"reference": f"Patient/{pid}"},
            "serviceProvider": {"reference": f"Organization/{clinic}"},
        },
        {
            "resourceType": "MedicationRequest",
            "id": rx,
            "status": "active",
            "intent": "order",
            "medicationReference": {"reference": f"Medication/med-{medicine}"},
            "subject": {"reference": f"Patient/{pid}"},
            "encounter": {"reference": f"Encounter/{encounter}"},
            "requester": {"reference": f"Practitioner/bdoc{p % 120}"},
        },
    ]
    day = AS_OF - timedelta(days=int(rng.integers(150, 200)))
    stops = rng.random() < 0.1
    for n in range(6):
        if day > AS_OF or (stops and n >= 3):
            break
        found.append(_dispense(f"bmd{p}-{m}-{n}", pid, medicine, rx, day, p))
        day += timedelta(days=int(30 * rng.lognormal(0.0, 0.2)))
    return found


def _dispense(did: str, pid: str, medicine: str, rx: str, day: date, p: int) -> dict[str, Any]:
    return {
        "resourceType": "MedicationDispense",
        "id": did,
        "status": "completed",
        "medicationReference": {"reference": f"Medication/med-{medicine}"},
        "subject": {"reference": f"Patient/{pid}"},
        "performer": [{"actor": {"reference": f"Organization/org-bench-ph{p % 25}"}}],
        "authorizingPrescription": [{"reference": f"MedicationRequest/{rx}"}],
        "quantity": {"value": 30, "unit": "tabletas"},
        "daysSupply": {"value": 30, "system": "http://unitsofmeasure.org", "code": "d"},
        "whenHandedOver": datetime.combine(day, datetime.min.time()).isoformat() + "-06:00",
    }


def _hba1c(pid: str, value: float) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"bobs-{pid}",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": (AS_OF - timedelta(days=40)).isoformat(),
        "valueQuantity": {"value": round(value, 1), "unit": "%"},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", type=Path, help="a trained model directory to score with")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-adherence-"))
    try:
        with database(args.db, workdir) as url:
            emit(run(url, workdir, args.patients, args.repeats, args.model, args.db))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(
    url: str, workdir: Path, patients: int, repeats: int, model: Path | None, db: str
) -> dict[str, Any]:
    settings = Settings.from_env(database_url=url, var_dir=workdir / "var", log_requests=False)
    services = build(settings)
    migrate.upgrade(services.db)
    if model is not None:
        shutil.copytree(model, settings.var_dir / "models")
    resources = network(patients)
    with services.db.begin() as conn:
        for start in range(0, len(resources), 2000):
            services.repo.put_many(conn, (PutItem(r) for r in resources[start : start + 2000]))
    reports = [service.run_daily(services, AS_OF, publish=False) for _ in range(repeats)]
    totals = [r.seconds["total"] for r in reports]
    median = sorted(reports, key=lambda r: r.seconds["total"])[len(reports) // 2]
    return {
        "bench": "adherence_job",
        "db": db,
        "patients": patients,
        "dispenses": median.dispenses,
        "therapies": median.measured,
        "scored": median.scored,
        "repeats": repeats,
        "seconds_median": statistics.median(totals),
        "seconds_all": totals,
        "therapies_per_s": round(median.measured / statistics.median(totals)),
        "steps_seconds": median.seconds,
    }


if __name__ == "__main__":
    main()
