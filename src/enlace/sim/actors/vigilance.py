"""Pharmacovigilance: people report adverse reactions to their medicines, and one drug is made to
cause one reaction k times as often as background (a seeded association), so signal detection
can be scored: is the seeded pair flagged, and how many unrelated pairs are?

Two ways in:
- `VigilanceActor`: in a scenario run, each person reports with a small daily probability
  (`DAILY_RATE`) through the module's capture (patients in plain Spanish, clinicians coded), in
  the day's transaction. It is opt-in (`ACTORS` is empty): discovered by default it would add
  reports to every scenario, including the store-less unit runs of all discovered actors. A run
  that wants it passes `VigilanceActor(...)` in its actor list (tests/integration/vigilance).
- `seeded_reports`: the same model drawn in bulk with numpy (integer-coded rows), for the
  benchmark and for scoring at scale without a database.

Assumptions: the suspect drug is drawn from the network's chronic-care medicines by rough share
of use (`DRUGS`), the reaction from a background mix (`EVENTS`) that does not depend on the drug
except for the seeded pair. Real reporting is much richer (several drugs per case, drug-specific
profiles, stimulated reporting); this is a detection test bed, not an epidemiological model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

import numpy as np
import numpy.typing as npt

from enlace.kernel.clock import epoch_us
from enlace.modules import vigilance
from enlace.sim.actor import ActorFactory, Day, World

NAME = "vigilance"
DAILY_RATE = 0.002  # reports per person per day (seeded runs are short)
CLINICIAN_SHARE = 0.4
SERIOUS_SHARE = 0.1
# (catalog-like code, display, share of use)
DRUGS: tuple[tuple[str, str, float], ...] = (
    ("metformina", "Metformina 850 mg", 0.30),
    ("enalapril", "Enalapril 10 mg", 0.15),
    ("losartan", "Losartán 50 mg", 0.15),
    ("atorvastatina", "Atorvastatina 20 mg", 0.12),
    ("glibenclamida", "Glibenclamida 5 mg", 0.10),
    ("amlodipino", "Amlodipino 5 mg", 0.08),
    ("insulina-glargina", "Insulina glargina", 0.06),
    ("dapagliflozina", "Dapagliflozina 10 mg", 0.04),
)
# (MedDRA PT code, term, how a patient says it, background share)
EVENTS: tuple[tuple[str, str, str, float], ...] = (
    ("10028813", "Nausea", "tengo náusea", 0.18),
    ("10012735", "Diarrhoea", "me dio diarrea", 0.16),
    ("10019211", "Headache", "dolor de cabeza", 0.14),
    ("10013573", "Dizziness", "siento mareo", 0.12),
    ("10016256", "Fatigue", "mucho cansancio", 0.10),
    ("10000081", "Abdominal pain", "dolor de estómago", 0.08),
    ("10037844", "Rash", "me salió salpullido", 0.07),
    ("10037087", "Pruritus", "comezón en la piel", 0.05),
    ("10028411", "Myalgia", "dolor muscular", 0.04),
    ("10011224", "Cough", "tos seca", 0.03),
    ("10030124", "Oedema peripheral", "pies hinchados", 0.02),
    ("10002424", "Angioedema", "labios hinchados", 0.01),
)


@dataclass(frozen=True, slots=True)
class Seed:
    """The planted association: `drug` makes `event` `fold` times as likely as background."""

    drug: str = "enalapril"
    event: str = "10011224"  # Cough (the ACE-inhibitor cough, a known real signal)
    fold: float = 5.0


def event_shares(seed: Seed, drug: str) -> npt.NDArray[np.float64]:
    """Reaction probabilities for a report naming `drug`: background, except the seeded event
    `fold` times as likely for the seeded drug (the others scaled down to sum to 1)."""
    base = np.array([e[3] for e in EVENTS], dtype=np.float64)
    base = base / base.sum()
    if drug != seed.drug:
        return base
    index = [e[0] for e in EVENTS].index(seed.event)
    boosted = min(base[index] * seed.fold, 1.0)
    others = base.copy()
    others[index] = 0.0
    others *= (1.0 - boosted) / others.sum()
    others[index] = boosted
    return others


def seeded_reports(
    n: int, seed: Seed, random_seed: int = 0
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], list[str], list[str]]:
    """`n` reports as integer codes: (drug codes, event codes, drug names, event codes' MedDRA)."""
    rng = np.random.default_rng(random_seed)
    use = np.array([d[2] for d in DRUGS])
    drugs = rng.choice(len(DRUGS), size=n, p=use / use.sum()).astype(np.int64)
    events = np.empty(n, dtype=np.int64)
    for code, (name, _, _) in enumerate(DRUGS):
        rows = np.flatnonzero(drugs == code)
        events[rows] = rng.choice(len(EVENTS), size=rows.size, p=event_shares(seed, name))
    return drugs, events, [d[0] for d in DRUGS], [e[0] for e in EVENTS]


class VigilanceActor:
    name = NAME
    after: tuple[str, ...] = ()

    def __init__(self, seed: Seed | None = None, daily_rate: float = DAILY_RATE) -> None:
        self.seed = seed or Seed()
        self.daily_rate = daily_rate
        self.reports = 0

    def begin(self, world: World, first_day: int, last_day: int) -> None:
        self.reports = 0

    def day(self, today: Day) -> None:
        world = today.world
        drug_use = [d[2] for d in DRUGS]
        for index in range(len(world.people)):
            rng = world.rng(NAME, index, today.index)
            if rng.random() >= self.daily_rate:
                continue
            drug = rng.choices(DRUGS, weights=drug_use)[0]
            shares = event_shares(self.seed, drug[0])
            event = rng.choices(EVENTS, weights=list(shares))[0]
            self._report(today, world.patient_id(index), drug, event, rng.random(), rng.random())

    def _report(
        self,
        today: Day,
        patient: str,
        drug: tuple[str, str, float],
        event: tuple[str, str, str, float],
        who: float,
        gravity: float,
    ) -> None:
        services = today.world.services
        suspect = vigilance.SuspectDrug(drug[0], drug[1])
        serious = gravity < SERIOUS_SHARE
        now_us = _noon_us(today)
        if who < CLINICIAN_SHARE:
            vigilance.from_clinician(
                today.conn,
                services.repo,
                patient,
                "sim-clinician",
                suspect,
                (event[0], event[1]),
                today.date,
                serious,
                True,
                now_us,
            )
        else:
            vigilance.from_patient(
                today.conn, services.repo, patient, suspect, event[2], today.date, serious, now_us
            )
        self.reports += 1


def _noon_us(today: Day) -> int:
    """Reports arrive at noon in Mexico City (18:00 UTC) on their day."""
    return epoch_us(datetime.combine(today.date, time(18, 0), tzinfo=UTC))


# Opt-in, see the module docstring.
ACTORS: tuple[ActorFactory, ...] = ()
