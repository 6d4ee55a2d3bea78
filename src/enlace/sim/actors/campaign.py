"""Community screening campaigns (plans in sim/campaigns.py): on a campaign day each clinic's
community health worker screens part of its neighbourhood through the screening module
(record_screening: Observations, a RiskAssessment, a referral Task per probable disease); on the
day a referred person comes to the clinic, a doctor confirms or rules out each open referral
(followup.confirm / rule_out), and starts treatment on its day (followup.start_treatment). Those
who never come stay on the clinic's worklist, overdue.

The agenda is rebuilt from the seed in `begin`, so a run split in two gives the same events; the
referrals an event acts on are read from the store (the patient's open referral Tasks).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time

from enlace.kernel.errors import FhirError
from enlace.modules.screening import followup, referrals
from enlace.modules.screening.service import record_screening
from enlace.sim import campaigns, network
from enlace.sim.actor import Day, World
from enlace.sim.population import Person
from enlace.sim.staff import staff_of

NAME = campaigns.NAME


class CampaignActor:
    name = NAME
    after: tuple[str, ...] = ("screening",)

    def __init__(self, share: float = campaigns.CAMPAIGN_SHARE) -> None:
        self.share = share  # of each clinic's eligible adults screened per campaign
        self.screen_days: dict[int, list[tuple[str, Person]]] = defaultdict(list)
        self.visits: dict[int, list[Person]] = defaultdict(list)
        self.treatments: dict[int, list[Person]] = defaultdict(list)
        self.refused = 0  # screenings the module refused (implausible values): none expected

    def begin(self, world: World, first_day: int, last_day: int) -> None:
        for agenda in (self.screen_days, self.visits, self.treatments):
            agenda.clear()
        places = campaigns.neighbourhoods(world)
        for day in range(campaigns.FIRST_CAMPAIGN_DAY, last_day, campaigns.CAMPAIGN_EVERY):
            for slug in sorted(places):
                for person in campaigns.visited(world, places[slug], day, self.share):
                    if first_day <= day:
                        self.screen_days[day].append((slug, person))
                    fate = campaigns.fate(world, person, day)
                    if fate.attend_day is not None and first_day <= fate.attend_day < last_day:
                        self.visits[fate.attend_day].append(person)
                    if fate.treat_day is not None and first_day <= fate.treat_day < last_day:
                        self.treatments[fate.treat_day].append(person)

    def day(self, today: Day) -> None:
        for slug, person in self.screen_days.pop(today.index, ()):
            self._screen(today, slug, person)
        for person in self.visits.pop(today.index, ()):
            self._visit(today, person)
        for person in self.treatments.pop(today.index, ()):
            self._treat(today, person)

    def _screen(self, today: Day, slug: str, person: Person) -> None:
        world = today.world
        raw = campaigns.raw_screening(world, person, today.index)
        chw = _staff(person, "chw")
        moment = datetime.fromisoformat(raw["performedAt"])
        try:
            with today.conn.begin_nested():  # a refused screening leaves the day intact
                record_screening(
                    today.conn,
                    world.services.repo,
                    world.patient_id(person.index),
                    raw,
                    performer=f"Practitioner/{chw}" if chw else None,
                    setting="community",
                    clock=lambda: moment,
                    clinic=f"org-{slug}",
                )
        except FhirError:
            self.refused += 1

    def _visit(self, today: Day, person: Person) -> None:
        world = today.world
        repo = world.services.repo
        pid = world.patient_id(person.index)
        doctor = _staff(person, "doctor")
        moment = _at(today, 10)
        for referral in referrals.patient_referrals(today.conn, repo, pid):
            key = referral.condition or ""
            decide = (
                followup.confirm
                if campaigns.has_condition(world, person, key)
                else followup.rule_out
            )
            code = None if key in referrals.DIAGNOSES else "Z03.8"  # observation, ruled out
            with today.conn.begin_nested():
                decide(
                    today.conn,
                    repo,
                    referral.task_id,
                    performer=f"Practitioner/{doctor}" if doctor else None,
                    code=code,
                    now=moment,
                )

    def _treat(self, today: Day, person: Person) -> None:
        world = today.world
        repo = world.services.repo
        pid = world.patient_id(person.index)
        doctor = _staff(person, "doctor")
        by_code = {referrals.DIAGNOSES[k][0]: k for k in referrals.DIAGNOSES}
        for task_id, code in followup.untreated(today.conn, pid):
            plan = campaigns.TREATMENT.get(by_code.get(code, ""))
            if plan is None:
                continue  # obesity: counselling, no medicine
            followup.start_treatment(
                today.conn,
                repo,
                task_id,
                medication=plan[0],
                dosage=plan[1],
                performer=f"Practitioner/{doctor}" if doctor else None,
                now=_at(today, 11),
            )


def _staff(person: Person, role: str) -> str | None:
    members = [m for m in staff_of(network.clinic(person)) if m.role == role]
    return members[0].id if members else None


def _at(today: Day, hour: int) -> datetime:
    return datetime.combine(today.date, time(hour), campaigns.LOCAL)


ACTORS = (CampaignActor,)
