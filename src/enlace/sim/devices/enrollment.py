"""Who gets which home devices, and each device's readings and ground truth for one day.

Eligible: adults of the population whose latent `device_use` is true (they would use a device
that uploads), with a condition a device follows; of those a share (`DeviceSettings.share`, 10%
by default: the demo and tests stay fast) is enrolled, each by their own draw:
- type 2 diabetes with a baseline HbA1c > 8% (the care model steps them up to a sulfonylurea or
  insulin, so they can have hypos): a CGM (30%) or a glucometer;
- hypertension: a BP cuff; the usual home level is halfway between the baseline and the treated
  target of the care model (the level a treated patient hovers around);
- heart failure: the population has no HF, so 25% of enrolled hypertensive people aged 55 or more
  are taken to have it (HF is common among older hypertensive adults, and monitoring programmes
  enrol them first; assumption). They get a
  scale and a BP cuff, and the actor records the diagnosis (a Condition, ICD-10 I50.9);
- COPD: a pulse oximeter and a thermometer.
The demo patient (`DeviceSettings.demo_hf`): the lowest-index hypertensive person aged 55 or more
is always enrolled with HF and decompensates every 30-day block on the same timetable (gain from
block day 16, admission on block day 23, in hospital to day 29: cardio.demo_decompensation), so
every run shows the issue's "Done when" and a run of a whole number of blocks (`make demo`: 180
days) ends with the last weight-gain alert open, escalated, and the patient in hospital.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from enlace.sim.care_model import diastolic_target, systolic_target
from enlace.sim.devices import cardio, copd, glucose
from enlace.sim.devices.common import Episode, Sample, block_of, stream
from enlace.sim.population import Person

HF_MIN_AGE = 55
HF_SHARE = 0.25
CGM_SHARE = 0.3
HYPO_PRONE_HBA1C = 8.0


@dataclass(frozen=True)
class DeviceSettings:
    share: float = 0.02  # of the eligible people
    demo_hf: bool = True
    hf_share: float = HF_SHARE  # of the enrolled hypertensive people aged HF_MIN_AGE or more

    def __post_init__(self) -> None:
        for name, value in (("--devices-share", self.share), ("--hf-share", self.hf_share)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be from 0 to 1, not {value!r}")


@dataclass(frozen=True)
class Monitored:
    index: int
    patient: str
    glucose: glucose.GlucoseProfile | None
    bp: cardio.BpProfile | None
    weight: cardio.WeightProfile | None
    copd: copd.CopdProfile | None
    demo: bool = False

    @property
    def kinds(self) -> tuple[str, ...]:
        """Device kinds (monitoring.domain.DEVICE_KINDS) the patient uses."""
        out = []
        if self.glucose is not None:
            out.append("cgm" if self.glucose.cgm else "glucometer")
        if self.bp is not None:
            out.append("bp-cuff")
        if self.weight is not None:
            out.append("scale")
        if self.copd is not None:
            out += ["pulse-oximeter", "thermometer"]
        return tuple(out)

    @property
    def heart_failure(self) -> bool:
        return self.weight is not None

    def decompensation(self, block: int) -> cardio.Decompensation | None:
        if self.weight is None:
            return None
        if self.demo:
            return cardio.demo_decompensation(block)
        return cardio.decompensation_of(self.weight, block)


def _hf_eligible(person: Person, on: date) -> bool:
    return "hypertension" in person.conditions and person.age(on) >= HF_MIN_AGE


def demo_patient(people: list[Person], on: date) -> int | None:
    return next((p.index for p in people if p.baseline and _hf_eligible(p, on)), None)


def enroll(people: list[Person], seed: int, on: date, settings: DeviceSettings) -> list[Monitored]:
    demo = demo_patient(people, on) if settings.demo_hf else None
    out = []
    for person in people:
        forced = person.index == demo
        found = monitored(person, seed, on, settings.share, settings.hf_share, forced)
        if found is not None:
            out.append(found)
    return out


def monitored(
    person: Person,
    seed: int,
    on: date,
    share: float,
    hf_share: float = HF_SHARE,
    forced: bool = False,
) -> Monitored | None:
    base = person.baseline
    if base is None:
        return None
    rng = stream(seed, "devices", person.index)
    enrolled, hf_draw, cgm_draw = rng.random() < share, rng.random(), rng.random()
    if not forced and not (enrolled and person.latent.device_use):
        return None
    key, pid = f"{seed}:{person.index}", f"s{seed}-{person.index}"
    conditions = person.conditions
    sugar = None
    if "diabetes" in conditions and base.hba1c > HYPO_PRONE_HBA1C:
        sugar = glucose.GlucoseProfile(key, pid, base.hba1c, cgm=cgm_draw < CGM_SHARE)
    heart = forced or (_hf_eligible(person, on) and hf_draw < hf_share)
    bp = None
    if "hypertension" in conditions or heart:
        systolic = (base.systolic + systolic_target(person)) / 2
        diastolic = (base.diastolic + diastolic_target(person)) / 2
        bp = cardio.BpProfile(key, pid, systolic, diastolic)
    weight = cardio.WeightProfile(key, pid, base.weight_kg) if heart else None
    lungs = copd.CopdProfile(key, pid) if "copd" in conditions else None
    if sugar is None and bp is None and lungs is None:
        return None
    return Monitored(person.index, pid, sugar, bp, weight, lungs, demo=forced)


def readings(m: Monitored, start: date, day: int) -> dict[str, list[Sample]]:
    """The day's readings by device kind (none from home while in hospital)."""
    out: dict[str, list[Sample]] = {}
    episode = m.decompensation(block_of(day))
    if episode is not None and episode.in_hospital(day):
        return {kind: [] for kind in m.kinds}
    if m.glucose is not None:
        out["cgm" if m.glucose.cgm else "glucometer"] = glucose.readings(m.glucose, start, day)
    if m.bp is not None:
        out["bp-cuff"] = cardio.bp_day(m.bp, start, day)
    if m.weight is not None:
        out["scale"] = cardio.weight_day(m.weight, start, day, episode)
    if m.copd is not None:
        vitals = copd.copd_day(m.copd, start, day)
        out["pulse-oximeter"] = [s for s in vitals if s.code != copd.TEMPERATURE]
        out["thermometer"] = [s for s in vitals if s.code == copd.TEMPERATURE]
    return out


def episodes(m: Monitored, start: date, day: int) -> list[Episode]:
    """The true episodes that begin on `day`."""
    out: list[Episode] = []
    if m.glucose is not None:
        out += glucose.hypo_episodes(m.glucose, start, day)
    if m.bp is not None:
        out += cardio.crisis_episodes(m.bp, start, day)
    if m.weight is not None:
        episode = m.decompensation(block_of(day))
        if episode is not None and episode.onset_day == day:
            sent = [
                s
                for d in range(day - 1, episode.event_day + 1)
                for s in cardio.weight_day(m.weight, start, d, m.decompensation(block_of(d)))
            ]
            out.append(cardio.hf_episode(m.weight, start, episode, sent))
    if m.copd is not None:
        out += copd.copd_episodes(m.copd, start, day)
    return out
