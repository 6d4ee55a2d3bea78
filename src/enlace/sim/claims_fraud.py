"""Seeded claims fraud at pharmacies, as an insurer sees it, with ground truth kept out of the
record (`$ENLACE_VAR_DIR/sim/claims-fraud-s{seed}.jsonl`, one line per pharmacy and scheme).

A share of the pharmacies (`ClaimsFraudRates.share`, default 5%, at least 2 when there are 10 or
more) each run `schemes_each` schemes from their `first_day` on:
- `phantom`: an extra claim for a quarter of their patients' fills, with a pack from the shelf
  that was never dispensed (proof of dispense refuses it: the refusals are the signal);
- `upcoding`: the priciest presentation of the class claimed instead of the one dispensed;
- `split`: a fill of several packs claimed as one claim per pack on consecutive days; a fill
  of one pack claimed again 7-15 days later;
- `volume`: every 15 days, more claims in a day than a counter can dispense (240);
- `elsewhere`: claims for patients who collected that day at another pharmacy;
- `fabricated-amounts`: unit prices made up (1.05-1.6 x list, not whole pesos).
Nothing in a claim marks it: the analytics see amounts, medicines, days and refusals only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from random import Random

from enlace.modules.catalog import Medicine, formulary
from enlace.modules.fraud import FraudTruth, read_truth
from enlace.modules.trace import StockedPack
from enlace.sim.actor import World
from enlace.sim.claims_bodies import ClaimDraft
from enlace.sim.supply_chain import SupplyChain
from enlace.sim.supply_fills import Fill

SCHEMES = ("phantom", "upcoding", "split", "volume", "elsewhere", "fabricated-amounts")
VOLUME_EVERY, VOLUME_CLAIMS = 15, 240
NAME = "claims"


@dataclass(frozen=True)
class ClaimsFraudRates:
    share: float = 0.05  # of the pharmacies
    schemes_each: int = 2
    latest_start: int = 14  # a scheme starts on a day in [0, latest_start]


def fraudsters(world: World, slugs: list[str], rates: ClaimsFraudRates) -> list[FraudTruth]:
    """Which pharmacies defraud, how, from when (pure: the same for the same seed)."""
    rng = world.rng(NAME, "fraudsters")
    count = round(rates.share * len(slugs))
    if len(slugs) >= 10:
        count = max(count, 2)
    chosen = rng.sample(sorted(slugs), min(count, len(slugs)))
    schemes = list(SCHEMES)
    rng.shuffle(schemes)
    out = []
    for n, slug in enumerate(chosen):
        for k in range(rates.schemes_each):
            scheme = schemes[(n * rates.schemes_each + k) % len(schemes)]
            out.append(FraudTruth(slug, scheme, rng.randint(0, rates.latest_start)))
    return out


def _priciest_of_class() -> dict[str, Medicine]:
    by_class: dict[str, Medicine] = {}
    for m in formulary():
        top = by_class.get(m.atc[:5])
        if top is None or m.price_centavos > top.price_centavos:
            by_class[m.atc[:5]] = m
    return by_class


PRICIEST = _priciest_of_class()


@dataclass
class FraudDay:
    """One day's claims of one fraudulent pharmacy, drafted from the day's fills."""

    world: World
    chain: SupplyChain
    day: int
    insured: dict[int, str]  # person index -> Coverage id

    def rng(self, *key: object) -> Random:
        return self.world.rng(NAME, "fraud", self.day, *key)

    def shelf_packs(
        self, slug: str, medicine: Medicine, count: int, rng: Random
    ) -> list[StockedPack]:
        """Packs on the pharmacy's shelf (never dispensed): what a phantom claim cites."""
        shelf = self.chain.shelves[slug][medicine.gtin]
        return rng.sample(shelf, count) if len(shelf) >= count else []

    def draft(
        self,
        key: str,
        slug: str,
        fill: Fill,
        medicine: Medicine,
        packs: list[StockedPack],
        unit: int | None = None,
        days_later: int = 0,
    ) -> ClaimDraft:
        return ClaimDraft(
            key=f"s{self.world.seed}-{key}",
            pharmacy=slug,
            patient=self.world.patient_id(fill.person),
            coverage=self.insured[fill.person],
            prescription=fill.request_id,
            on=self.world.date_of(fill.day) + timedelta(days=days_later),
            medicine=medicine,
            packs=tuple(packs),
            unit_centavos=medicine.price_centavos if unit is None else unit,
        )


def truth_path(var_dir: str | Path, seed: int) -> Path:
    return Path(var_dir) / "sim" / f"claims-fraud-s{seed}.jsonl"


def trim_truth(path: Path, first_day: int) -> None:
    """Keep the lines of schemes that started before `first_day` (written beside, renamed)."""
    kept = [t for t in read_truth(path) if t.first_day < first_day] if path.exists() else []
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".jsonl.partial")
    partial.write_bytes(b"".join(t.line() for t in kept))
    os.replace(partial, path)


def append_truth(path: Path, truths: list[FraudTruth]) -> None:
    if truths:
        with path.open("ab") as out:
            out.write(b"".join(t.line() for t in truths))
