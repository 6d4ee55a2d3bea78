"""Does the uplift estimate cover the true effect? The randomized reminder experiment run on
B's refill-history generator (src/enlace/sim/refill_histories.py), whose `interventions` hook
makes each due refill react to a reminder through the person's LATENT responsiveness.

.venv/bin/python bench/uplift_experiment.py [--patients 20000] [--seeds 10] [--bootstrap 1000]

Per seed:
1. enrolment day E = one year into the histories; a therapy is enrolled when it is active at E
   (covered, or in a gap shorter than its discontinuation gap, with a fill in the year before)
   and the patient lives to E + 90;
2. its stratum is the pre-enrolment PDC band over [E-180, E) (≥ 0.8 low risk, 0.5-0.8 moderate,
   < 0.5 high) — observable before any reminder; its arm is the platform's own
   randomization.arm_for (20 % control, the high band never held out);
3. the intervention run: same seed, a full-strength reminder at every due refill in
   [E, E+90) of a treated therapy; outcomes over [E, E+90): PDC and abandonment (a gap of 60
   days, 90 for insulins and ARVs, overlapping the window);
4. the estimate: uplift.stratified_effect, treated vs control, normal and bootstrap 95 % CIs;
5. the TRUE effect: the same seed without reminders is the exact counterfactual, so the true
   effect on the treated is the mean of (with - without) over treated therapies, weighted by
   stratum as the estimator is; reported with whether each CI contains it.
The line reports the median estimate and truth and how many seeds' CIs covered the truth.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from common import emit
from enlace.modules.adherence.experiment import window_outcome
from enlace.modules.adherence.randomization import TREATED, Study, arm_for
from enlace.modules.adherence.uplift import FOLLOW_UP_DAYS, stratified_effect
from enlace.sim.refill_histories import RefillDue, RefillHistories, generate
from enlace.sim.refill_process import CLASS_NAMES

PRE_DAYS = 180
STUDY = Study(id="sim-reminders")


def _fills_by_therapy(h: RefillHistories) -> dict[int, tuple[list[int], list[int]]]:
    therapy, day, supply, _ = h.columns()
    order = np.argsort(therapy, kind="stable")
    grouped: dict[int, tuple[list[int], list[int]]] = {}
    columns = (therapy[order].tolist(), day[order].tolist(), supply[order].tolist())
    for t, d, s in zip(*columns, strict=True):
        days, supplies = grouped.setdefault(t, ([], []))
        days.append(d)
        supplies.append(s)
    return grouped


def _gap(h: RefillHistories, t: int) -> int:
    return 90 if CLASS_NAMES[h.therapy_class[t]][:4] in ("A10A", "J05A") else 60


def _enrol(h: RefillHistories, enrol_day: int) -> dict[int, tuple[str, str]]:
    """therapy index -> (stratum, arm) for the therapies active at `enrol_day`."""
    enrolled = {}
    for t, (days, supplies) in _fills_by_therapy(h).items():
        patient = int(h.therapy_patient[t])
        if h.death_day[patient] <= enrol_day + FOLLOW_UP_DAYS:
            continue
        before = [(d, s) for d, s in zip(days, supplies, strict=True) if d < enrol_day]
        if not before or before[-1][0] < enrol_day - 365:
            continue
        pre = window_outcome(
            [d for d, _ in before], [s for _, s in before], enrol_day - PRE_DAYS, PRE_DAYS,
            _gap(h, t), enrol_day,
        )  # fmt: skip
        if pre.abandoned:  # already in a discontinuation gap before enrolment
            continue
        stratum = "low" if pre.pdc >= 0.8 else "moderate" if pre.pdc >= 0.5 else "high"
        key = f"atc:{CLASS_NAMES[h.therapy_class[t]]}"
        enrolled[t] = (stratum, arm_for(STUDY, h.patients[patient], key, stratum))
    return enrolled


def _outcomes(h: RefillHistories, therapies: list[int], enrol_day: int) -> np.ndarray:
    """(pdc, abandoned) per therapy over the follow-up window."""
    grouped = _fills_by_therapy(h)
    rows = []
    for t in therapies:
        days, supplies = grouped.get(t, ([], []))
        result = window_outcome(days, supplies, enrol_day, FOLLOW_UP_DAYS, _gap(h, t), h.last_day)
        rows.append((result.pdc, float(result.abandoned)))
    return np.array(rows).reshape(-1, 2)


def run_seed(patients: int, seed: int, bootstrap: int) -> dict[str, float | bool | int]:
    base = generate(patients, seed)
    enrol_day = base.first_day + 365
    enrolled = _enrol(base, enrol_day)
    treated = np.zeros(len(base.therapy_patient), bool)
    treated[[t for t, (_, arm) in enrolled.items() if arm == TREATED]] = True

    def remind(due: RefillDue) -> np.ndarray:
        in_window = (due.due_day >= enrol_day) & (due.due_day < enrol_day + FOLLOW_UP_DAYS)
        return (treated[due.therapy] & in_window).astype(float)

    started = time.perf_counter()
    with_reminders = generate(patients, seed, interventions=remind)
    generate_s = time.perf_counter() - started
    order = sorted(enrolled)
    observed = _outcomes(with_reminders, order, enrol_day)
    counterfactual = _outcomes(base, order, enrol_day)
    result: dict[str, float | bool | int] = {
        "enrolled": len(order),
        "treated": int(treated.sum()),
        "generate_s": round(generate_s, 2),
    }
    for column, metric in enumerate(("pdc", "abandonment")):
        groups: dict[tuple[str, str], list[float]] = {}
        effect_on_treated: dict[str, list[float]] = {}
        for i, t in enumerate(order):
            stratum, arm = enrolled[t]
            groups.setdefault((stratum, arm), []).append(observed[i, column])
            if arm == TREATED:
                delta = observed[i, column] - counterfactual[i, column]
                effect_on_treated.setdefault(stratum, []).append(delta)
        arrays = {k: np.array(v) for k, v in groups.items()}
        effect = stratified_effect(metric, arrays, bootstrap, seed)
        truth = _true_effect(effect_on_treated, arrays, effect.left_out)
        normal, boot = effect.normal_ci, effect.bootstrap_ci
        assert effect.difference is not None and normal is not None
        result |= {
            f"{metric}_estimate": round(effect.difference, 4),
            f"{metric}_normal_ci": [round(normal[0], 4), round(normal[1], 4)],  # type: ignore[dict-item]
            f"{metric}_true": round(truth, 4),
            f"{metric}_in_normal_ci": normal[0] <= truth <= normal[1],
            f"{metric}_in_bootstrap_ci": boot is not None and boot[0] <= truth <= boot[1],
        }
    return result


def _true_effect(
    deltas: dict[str, list[float]],
    groups: dict[tuple[str, str], np.ndarray],
    left_out: tuple[str, ...],
) -> float:
    """Mean (with - without) over treated therapies, per stratum, weighted by stratum size as
    the stratified estimator weights (strata the estimate leaves out are left out here too)."""
    strata = [s for s in deltas if s not in left_out]
    sizes = {
        s: len(groups.get((s, "treated"), [])) + len(groups.get((s, "control"), [])) for s in strata
    }
    total = sum(sizes.values())
    return float(sum(sizes[s] / total * np.mean(deltas[s]) for s in strata))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    runs = []
    for seed in range(1, args.seeds + 1):
        run = run_seed(args.patients, seed, args.bootstrap)
        print(f"seed {seed}: {run}", flush=True)
        runs.append(run)

    def median(key: str) -> float:
        return round(statistics.median(float(r[key]) for r in runs), 4)

    emit(
        {
            "bench": "uplift_experiment",
            "patients": args.patients,
            "seeds": args.seeds,
            "enrolled_median": median("enrolled"),
            "pdc_estimate_median": median("pdc_estimate"),
            "pdc_true_median": median("pdc_true"),
            "pdc_normal_ci_covers": sum(bool(r["pdc_in_normal_ci"]) for r in runs),
            "pdc_bootstrap_ci_covers": sum(bool(r["pdc_in_bootstrap_ci"]) for r in runs),
            "abandonment_estimate_median": median("abandonment_estimate"),
            "abandonment_true_median": median("abandonment_true"),
            "abandonment_normal_ci_covers": sum(bool(r["abandonment_in_normal_ci"]) for r in runs),
            "abandonment_bootstrap_ci_covers": sum(
                bool(r["abandonment_in_bootstrap_ci"]) for r in runs
            ),
        }
    )


if __name__ == "__main__":
    main()
