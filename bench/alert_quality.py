"""Alert quality on the simulation (issue 9): a seeded population whose enrolled patients' home
devices send `--days` of readings through monitoring ingestion (the devices actor alone: care,
pharmacy and claims are not needed for the alerts), then the alerts (Flags) scored against the
ground truth: sensitivity per episode kind (all, and observed), median lead time, non-actionable
alerts per patient-month, alerts by rule. Prints the table and one JSON line.

    .venv/bin/python bench/alert_quality.py --patients 2000 --days 90 --share 1.0 --hf-share 1.0

(`--hf-share 1.0`: every enrolled hypertensive person aged 55+ has heart failure, so a 2,000-person
run has enough decompensations for a lead time; the default 0.25 is the demo's cohort.)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from common import database, emit
from enlace.bootstrap import build
from enlace.entrypoints.cli.sim_devices_cli import measure, print_table
from enlace.kernel.settings import Settings
from enlace.modules.catalog import load_catalogs
from enlace.sim.actors.devices import DevicesActor
from enlace.sim.devices.enrollment import DeviceSettings
from enlace.sim.driver import run_scenario
from enlace.sim.loader import load_population
from enlace.sim.population import generate


def run(
    patients: int, days: int, share: float, hf_share: float, seed: int, db: str
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, database(db, Path(tmp)) as url:
        settings = Settings.from_env(database_url=url, var_dir=Path(tmp), log_requests=False)
        services = build(settings)
        try:
            load_catalogs(services)
            load_population(services, generate(patients, seed, ["CMX", "JAL", "NLE"]))
            actor = DevicesActor(DeviceSettings(share=share, hf_share=hf_share))
            started = time.perf_counter()
            run_scenario(services, days, actors=[actor])
            simulated = time.perf_counter() - started
            result = measure(services)
        finally:
            services.db.dispose()
    print_table(result, print)
    accepted = actor.counts["accepted"]
    return {
        "bench": "alert_quality",
        "db": db,
        "patients": patients,
        "days": days,
        "share": share,
        "hf_share": hf_share,
        "seed": seed,
        "monitored": result["monitored_patients"],
        "readings": accepted,
        "refused_messages": actor.counts["refused-messages"],
        "simulate_s": round(simulated, 1),
        "readings_per_s": round(accepted / simulated) if simulated else None,
        "patient_months": result["patient_months"],
        **{
            f"{kind}_{field}": row[field]
            for kind, row in result["kinds"].items()
            for field in ("episodes", "sensitivity", "observed_sensitivity", "median_lead_h")
        },
        "alerts": result["alerts"],
        "late": result["late"],
        "non_actionable": result["non_actionable"],
        "non_actionable_per_patient_month": result["non_actionable_per_patient_month"],
        "by_rule": result["by_rule"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--share", type=float, default=1.0)
    parser.add_argument(
        "--hf-share",
        type=float,
        default=0.25,
        help="Share of the enrolled hypertensive people aged 55+ taken to have heart failure.",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    emit(run(args.patients, args.days, args.share, args.hf_share, args.seed, args.db))


if __name__ == "__main__":
    main()
