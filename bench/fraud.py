"""Anti-fraud analytics: every flag over a million synthetic claim lines, and its accuracy.

.venv/bin/python bench/fraud.py [--lines 1000000] [--providers 2000] [--runs 3] [--seed 7]

A numpy generator (fixed seed) writes claim columns: patients collecting chronic medicines at
their home pharmacy about every 30 days, a tenth of the pharmacies claiming unrounded (discounted)
amounts, and 5% of the pharmacies planted as fraudulent with one scheme each (phantom claims,
upcoding, impossible-day bursts, claims for patients who collected elsewhere, early refills,
fabricated amounts). Then `fraud.detect` runs on the columns (the time excludes reading the
database); printed: median seconds over the runs, precision and recall per rule.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from common import emit
from enlace.modules import fraud
from enlace.modules.fraud import ClaimArrays, FraudTruth

SCHEMES = ("phantom", "upcoding", "volume", "elsewhere", "early-refill", "fabricated-amounts")
REASONS = ("", "phantom", "duplicate", "frequency", "not-covered")
DAYS = 365
DAY0 = 739_000  # an ordinal date in 2024


@dataclass
class Columns:
    cols: dict[str, np.ndarray]

    def add(self, **more: np.ndarray) -> None:
        for name, values in more.items():
            self.cols[name] = np.concatenate([self.cols[name], values])


def _medicines() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Catalog slugs, pack prices, and the priciest presentation of each one's class."""
    info = fraud.medicine_info()
    slugs = sorted(info)
    price = np.array([info[s].price_centavos for s in slugs])
    classes = [info[s].therapeutic_class for s in slugs]
    target = np.array(
        [
            max((j for j, c in enumerate(classes) if c == classes[i]), key=lambda j: price[j])
            for i in range(len(slugs))
        ]
    )
    return slugs, price, target


def generate(lines: int, providers: int, seed: int) -> tuple[ClaimArrays, list[FraudTruth]]:
    rng = np.random.default_rng(seed)
    slugs, price, upcode_to = _medicines()
    weight = 1 / np.sqrt(price)
    weight /= weight.sum()
    series = lines // 12
    patients = series * 2 // 3
    home = rng.integers(providers, size=patients)
    s_patient = rng.integers(patients, size=series)
    s_medicine = rng.choice(len(slugs), size=series, p=weight)
    s_packs = rng.choice([1, 1, 1, 2, 2, 3, 4, 6], size=series)
    start = rng.integers(0, 30, size=series)
    k = np.arange(13)
    days = start[:, None] + 30 * k[None, :] + rng.integers(-2, 4, size=(series, 13))
    keep = (days >= 0) & (days < DAYS)
    row = np.repeat(np.arange(series), 13)[keep.ravel()]
    n = row.size
    c = Columns(
        {
            "pharmacy": home[s_patient[row]],
            "patient": s_patient[row],
            "medicine": s_medicine[row],
            "day": DAY0 + days.ravel()[keep.ravel()],
            "packs": s_packs[row],
            "reason": rng.choice(5, size=n, p=[0.955, 0.005, 0.01, 0.02, 0.01]),
        }
    )
    fraudsters = rng.choice(providers, size=max(2, providers // 20), replace=False)
    schemes = {int(p): SCHEMES[i % len(SCHEMES)] for i, p in enumerate(fraudsters)}
    discount = rng.random(providers) < 0.1
    discount[fraudsters] = False
    for provider, scheme in schemes.items():
        _plant(c, rng, provider, scheme, upcode_to, providers, home)
    submitted = price[c.cols["medicine"]] * c.cols["packs"]
    factor = np.ones(submitted.size)
    on_discount = discount[c.cols["pharmacy"]]
    # real ticket amounts (discounts, taxes, several items): log-uniform over one decade, so
    # their first digits follow Benford's law, as genuine unrounded money amounts tend to
    factor[on_discount] = 10 ** rng.uniform(-0.6, 0.4, on_discount.sum())
    fabricated = np.isin(c.cols["pharmacy"], [p for p, s in schemes.items() if s == SCHEMES[5]])
    factor[fabricated] = rng.uniform(1.03, 1.5, fabricated.sum())
    submitted = np.rint(submitted * factor).astype(np.int64)
    submitted[fabricated & (submitted % 100 == 0)] += 37
    paid = np.where(
        c.cols["reason"] == 0, np.minimum(submitted, price[c.cols["medicine"]] * c.cols["packs"]), 0
    )
    order = np.argsort(c.cols["day"], kind="stable")
    arrays = ClaimArrays.build(
        [f"pharmacy-{i:05d}" for i in range(providers)],
        slugs,
        REASONS,
        claim=np.arange(order.size),
        submitted=submitted[order],
        paid=paid[order],
        **{name: values[order] for name, values in c.cols.items()},
    )
    truth = [FraudTruth(f"pharmacy-{p:05d}", s, 0) for p, s in sorted(schemes.items())]
    return arrays, truth


def _plant(
    c: Columns,
    rng: np.random.Generator,
    provider: int,
    scheme: str,
    upcode_to: np.ndarray,
    providers: int,
    home: np.ndarray,
) -> None:
    mine = np.flatnonzero(c.cols["pharmacy"] == provider)
    if mine.size == 0:
        return
    if scheme == "upcoding":
        patients = np.unique(c.cols["patient"][mine])
        upcoded = patients[rng.random(patients.size) < 0.7]  # their presentation, every month
        switch = mine[np.isin(c.cols["patient"][mine], upcoded)]
        c.cols["medicine"][switch] = upcode_to[c.cols["medicine"][switch]]
        return
    if scheme == "fabricated-amounts":
        return  # the amounts are made up after planting (see generate)
    if scheme == "phantom":
        extra = rng.choice(mine, size=max(10, mine.size // 3))
        _copy(c, extra, provider, shift=rng.integers(-10, 10, extra.size), reason=1)
    elif scheme == "early-refill":
        extra = rng.choice(mine, size=max(10, mine.size // 4))
        _copy(c, extra, provider, shift=rng.integers(5, 15, extra.size), reason=0)
    elif scheme == "volume":
        burst = rng.choice(mine, size=3 * 230)
        day = np.repeat(rng.integers(0, DAYS, 3), 230) + DAY0
        _copy(c, burst, provider, shift=day - c.cols["day"][burst], reason=2)
    elif scheme == "elsewhere":
        others = np.flatnonzero(c.cols["pharmacy"] != provider)
        extra = rng.choice(others, size=max(10, mine.size // 4))
        _copy(c, extra, provider, shift=np.zeros(extra.size, np.int64), reason=1)


def _copy(c: Columns, rows: np.ndarray, provider: int, shift: np.ndarray, reason: int) -> None:
    day = np.clip(c.cols["day"][rows] + shift, DAY0, DAY0 + DAYS - 1)
    c.add(
        pharmacy=np.full(rows.size, provider),
        patient=c.cols["patient"][rows],
        medicine=c.cols["medicine"][rows],
        day=day,
        packs=c.cols["packs"][rows],
        reason=np.full(rows.size, reason),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--providers", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    arrays, truth = generate(args.lines, args.providers, args.seed)
    generated = time.perf_counter() - started
    facilities = {p: ("synthetic", f"{i % 8:02d}") for i, p in enumerate(arrays.pharmacies)}
    times: list[float] = []
    report = None
    for _ in range(args.runs):
        started = time.perf_counter()
        report = fraud.detect(arrays, fraud.medicine_info(), facilities)
        times.append(time.perf_counter() - started)
    assert report is not None
    result: dict[str, Any] = {
        "lines": arrays.size,
        "providers": args.providers,
        "planted": len(truth),
        "generate_s": round(generated, 2),
        "detect_median_s": round(statistics.median(times), 2),
        "detect_runs_s": [round(t, 2) for t in times],
        "flags": len(report.flags),
        "score": fraud.score(report, truth),
    }
    result["recall_by_scheme"] = _recall_by_scheme(report, truth)
    emit({"bench": "fraud", **result})


def _recall_by_scheme(report: fraud.Report, truth: list[FraudTruth]) -> dict[str, str]:
    found = report.flagged_by()
    out = {}
    for scheme in SCHEMES:
        mine = [t.pharmacy for t in truth if t.scheme == scheme]
        out[scheme] = f"{sum(p in found for p in mine)}/{len(mine)}"
    return out


if __name__ == "__main__":
    main()
