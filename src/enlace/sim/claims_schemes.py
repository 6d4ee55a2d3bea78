"""The fraud schemes of sim/claims_fraud.py, each a function of one pharmacy's day.

A scheme gets the day's legitimate drafts of the pharmacy (by fill) and the day's other fills,
and returns the drafts the pharmacy actually sends: replaced, added to or dated later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from enlace.modules.fraud import FraudTruth
from enlace.modules.trace import StockedPack
from enlace.sim.claims_bodies import ClaimDraft
from enlace.sim.claims_fraud import PRICIEST, VOLUME_CLAIMS, VOLUME_EVERY, FraudDay
from enlace.sim.supply_fills import MEDICINES, Fill

Filled = tuple[Fill, list[StockedPack]]
MEDICINES_BY_GTIN = {m.gtin: m for m in MEDICINES.values()}


@dataclass
class Sent:
    """A pharmacy's claims of a day: by fill (what it claims for it) and extra ones."""

    by_fill: dict[tuple[str, int], list[ClaimDraft]]
    extra: list[ClaimDraft] = field(default_factory=list)


def key_of(fill: Fill) -> str:
    return f"{fill.request_id}-{fill.number}"


def phantom(fd: FraudDay, t: FraudTruth, own: list[Filled], others: list[Filled], s: Sent) -> None:
    rng = fd.rng(t.pharmacy, t.scheme)
    for fill, packs in own:
        if rng.random() < 0.25:
            fake = fd.shelf_packs(t.pharmacy, fill.medicine, len(packs), rng)
            if fake:
                s.extra.append(fd.draft(f"{key_of(fill)}-x", t.pharmacy, fill, fill.medicine, fake))


def upcoding(fd: FraudDay, t: FraudTruth, own: list[Filled], others: list[Filled], s: Sent) -> None:
    rng = fd.rng(t.pharmacy, t.scheme)
    for fill, packs in own:
        pricier = PRICIEST[fill.medicine.atc[:5]]
        if pricier.slug == fill.medicine.slug or rng.random() >= 0.7:
            continue
        fake = fd.shelf_packs(t.pharmacy, pricier, len(packs), rng)
        if fake:
            draft = fd.draft(f"{key_of(fill)}-u", t.pharmacy, fill, pricier, fake)
            s.by_fill[(fill.request_id, fill.number)] = [draft]


def split(fd: FraudDay, t: FraudTruth, own: list[Filled], others: list[Filled], s: Sent) -> None:
    rng = fd.rng(t.pharmacy, t.scheme)
    for fill, packs in own:
        if len(packs) > 1:
            s.by_fill[(fill.request_id, fill.number)] = [
                fd.draft(f"{key_of(fill)}-s{n}", t.pharmacy, fill, fill.medicine, [p], days_later=n)
                for n, p in enumerate(packs)
            ]
        elif rng.random() < 0.5:
            fake = fd.shelf_packs(t.pharmacy, fill.medicine, 1, rng)
            later = rng.randint(7, 15)
            if fake:
                s.extra.append(
                    fd.draft(
                        f"{key_of(fill)}-r", t.pharmacy, fill, fill.medicine, fake, None, later
                    )
                )


def volume(fd: FraudDay, t: FraudTruth, own: list[Filled], others: list[Filled], s: Sent) -> None:
    if (fd.day - t.first_day) % VOLUME_EVERY or not (own or others):
        return
    rng = fd.rng(t.pharmacy, t.scheme)
    pool = own + others
    # Any pack on the shelf will do (the claim names its medicine): a burst needs many.
    stocked = [(g, p) for g, packs in sorted(fd.chain.shelves[t.pharmacy].items()) for p in packs]
    for n in range(VOLUME_CLAIMS if stocked else 0):  # a pack may come twice: a duplicate
        fill, _ = rng.choice(pool)
        gtin, pack = rng.choice(stocked)
        medicine = MEDICINES_BY_GTIN[gtin]
        s.extra.append(fd.draft(f"{key_of(fill)}-v{n}", t.pharmacy, fill, medicine, [pack]))


def elsewhere(
    fd: FraudDay, t: FraudTruth, own: list[Filled], others: list[Filled], s: Sent
) -> None:
    rng = fd.rng(t.pharmacy, t.scheme)
    count = min(len(others), max(2, round(0.3 * len(own))))
    for fill, packs in rng.sample(others, count):
        fake = fd.shelf_packs(t.pharmacy, fill.medicine, len(packs), rng)
        if fake:
            s.extra.append(fd.draft(f"{key_of(fill)}-e", t.pharmacy, fill, fill.medicine, fake))


def fabricated(
    fd: FraudDay, t: FraudTruth, own: list[Filled], others: list[Filled], s: Sent
) -> None:
    rng = fd.rng(t.pharmacy, t.scheme)
    for key, drafts in s.by_fill.items():
        s.by_fill[key] = [_made_up(d, rng.uniform(1.05, 1.6)) for d in drafts]


def _made_up(d: ClaimDraft, factor: float) -> ClaimDraft:
    unit = round(d.medicine.price_centavos * factor)
    unit += 37 if unit % 100 == 0 else 0  # invented amounts are not whole pesos
    return ClaimDraft(
        d.key, d.pharmacy, d.patient, d.coverage, d.prescription, d.on, d.medicine, d.packs, unit
    )


Scheme = Callable[[FraudDay, FraudTruth, list[Filled], list[Filled], Sent], None]
# fabricated-amounts last: it prices whatever the other scheme of the pharmacy left to send
SCHEME_FUNCTIONS: dict[str, Scheme] = {
    "phantom": phantom,
    "upcoding": upcoding,
    "split": split,
    "volume": volume,
    "elsewhere": elsewhere,
    "fabricated-amounts": fabricated,
}
