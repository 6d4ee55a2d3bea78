"""Generalization check of the abandonment model through the file path: held-out-regime
histories written as a foreign-looking MedicationDispense NDJSON (RxNorm-style codes instead of
ATC, half the countable dispenses without daysSupply but with quantity and dosage, a fifth dated
by whenPrepared only), scored by `file_scoring.score_files` at four as-of dates with only the
fills up to each date, labels from the whole file (docs/adherence-model-card.md, "Metrics").

.venv/bin/python bench/adherence_foreign_file.py --model var/models [--patients 4000]
"""

from __future__ import annotations

import argparse
import tempfile
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from sklearn.metrics import average_precision_score, roc_auc_score

from common import emit
from enlace.modules.adherence import fill_table, labels, model
from enlace.modules.adherence.file_scoring import score_files
from enlace.modules.adherence.reader import read_dispenses
from enlace.sim import refill_fhir
from enlace.sim.refill_histories import generate

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
AS_OF = (date(2024, 9, 1), date(2024, 12, 1), date(2025, 3, 1), date(2025, 6, 1))


def foreign(resource: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    code = resource["medicationCodeableConcept"]["coding"][0]["code"]
    fake = str(zlib.crc32(code.encode()) % 900_000)
    resource["medicationCodeableConcept"] = {"coding": [{"system": RXNORM, "code": fake}]}
    if rng.random() < 0.5 and "quantity" in resource:
        days = resource.pop("daysSupply")["value"]
        per_day = resource["quantity"]["value"] / days
        resource["dosageInstruction"] = [
            {"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
             "doseAndRate": [{"doseQuantity": {"value": per_day}}]}
        ]  # fmt: skip
    if rng.random() < 0.2:
        resource["whenPrepared"] = resource.pop("whenHandedOver")
    return resource


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--patients", type=int, default=4_000)
    args = parser.parse_args()
    fitted = model.load(args.model)
    rng = np.random.default_rng(0)
    histories = generate(args.patients, seed=2024, family="holdout")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "foreign.ndjson"
        with path.open("wb") as out:
            for resource in refill_fhir.dispenses(histories):
                out.write(orjson.dumps(foreign(resource, rng)) + b"\n")
        full = fill_table.build(read_dispenses(path).fills)
        index = {(full.patients[full.patient_of[t]], full.therapy_keys[t]): t
                 for t in range(full.therapies)}  # fmt: skip
        ys, ps = [], []
        for as_of in AS_OF:
            rows = score_files(fitted, path, None, as_of).rows
            therapy = np.array([index[(r["patient"], r["therapy"])] for r in rows])
            day = np.full(len(therapy), fill_table.day_number(as_of))
            ys.append(labels.labels(full, therapy, day))
            ps.append(np.array([r["probability"] for r in rows]))
    y, p = np.concatenate(ys), np.concatenate(ps)
    emit({"bench": "adherence_foreign_file", "rows": len(y), "positives": int(y.sum()),
          "auroc": round(float(roc_auc_score(y, p)), 3),
          "average_precision": round(float(average_precision_score(y, p)), 3)})  # fmt: skip


if __name__ == "__main__":
    main()
