"""Claims: each day, the pharmacies claim yesterday's fills of insured patients from their payer
(`claims.adjudicate_batch` on the day's connection, so the claims commit with the day), and the
seeded fraudulent pharmacies add their schemes (sim/claims_fraud.py, ground truth on disk).

A fill is claimed the day after it (the prescription, the day-0 Coverages and the pharmacy's
dispensing event are in the store by then; proof of dispense allows three days). So the actor
runs after care (the day's plan needs its prescriptions) and coverage, and needs no order with
the pharmacy actor: the day's plan is decided once, by whichever supply actor asks first, and
`sim run --without manufacturer,distributor,pharmacy` still runs (its claims then cite packs the
log never saw and are set aside). A run cut in pieces loses the claims of the last day before the
cut (the fills are the chain's plan of that day, not kept across runs).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from enlace.modules import claims
from enlace.modules.fraud import FraudTruth
from enlace.sim.actor import Day, World
from enlace.sim.actors.coverage import enrollments
from enlace.sim.claims_bodies import ClaimDraft, claim_body
from enlace.sim.claims_fraud import (
    ClaimsFraudRates,
    FraudDay,
    append_truth,
    fraudsters,
    trim_truth,
    truth_path,
)
from enlace.sim.claims_schemes import SCHEME_FUNCTIONS, Filled, Sent, key_of
from enlace.sim.supply_chain import SupplyChain, pharmacies, shared

ORDER = list(SCHEME_FUNCTIONS)


class ClaimsActor:
    name = "claims"
    after: tuple[str, ...] = ("care", "coverage")  # see the module docstring

    def __init__(self, rates: ClaimsFraudRates | None = None) -> None:
        self.rates = rates or ClaimsFraudRates()
        self.chain: SupplyChain | None = None
        self.truth: Path | None = None
        self.schemes: list[FraudTruth] = []
        self.insured: dict[int, str] = {}
        self.pending: dict[int, list[ClaimDraft]] = defaultdict(list)

    def begin(self, world: World, first_day: int, last_day: int) -> None:
        self.chain = shared(world, first_day, last_day)
        self.insured = {
            e.person.index: f"{world.patient_id(e.person.index)}-cov" for e in enrollments(world)
        }
        self.schemes = fraudsters(world, [p.slug for p in pharmacies()], self.rates)
        self.schemes.sort(key=lambda t: (t.pharmacy, ORDER.index(t.scheme)))
        self.truth = truth_path(world.services.settings.var_dir, world.seed)
        trim_truth(self.truth, first_day)
        self.pending.clear()

    def day(self, today: Day) -> None:
        assert self.chain is not None and self.truth is not None, "begin() first"
        append_truth(self.truth, [t for t in self.schemes if t.first_day == today.index])
        due = self.pending.pop(today.index, [])
        for draft in self._drafts(today):
            claim_day = max(today.index + 1, (draft.on - today.world.scenario.start).days + 1)
            self.pending[claim_day].append(draft)
        if due:
            claims.adjudicate_batch(today.world.services, today.conn, [claim_body(d) for d in due])

    def _drafts(self, today: Day) -> list[ClaimDraft]:
        """Today's fills of insured patients as the pharmacies claim them (legitimate first,
        then the fraudulent extras, so a legitimate claim is not refused as a duplicate)."""
        assert self.chain is not None
        fills = [(f, p) for f, p in self.chain.plan(today).fills if f.person in self.insured and p]
        fd = FraudDay(today.world, self.chain, today.index, self.insured)
        by_pharmacy: dict[str, list[Filled]] = defaultdict(list)
        for fill, packs in fills:
            by_pharmacy[fill.pharmacy].append((fill, packs))
        sent = {
            slug: Sent(
                {
                    (f.request_id, f.number): [fd.draft(key_of(f), slug, f, f.medicine, p)]
                    for f, p in own
                }
            )
            for slug, own in by_pharmacy.items()
        }
        for t in self.schemes:
            if t.first_day > today.index:
                continue
            own = by_pharmacy.get(t.pharmacy, [])
            others = [x for x in fills if x[0].pharmacy != t.pharmacy]
            SCHEME_FUNCTIONS[t.scheme](fd, t, own, others, sent.setdefault(t.pharmacy, Sent({})))
        legit = [d for s in sent.values() for drafts in s.by_fill.values() for d in drafts]
        return legit + [d for s in sent.values() for d in s.extra]


ACTORS = (ClaimsActor,)
