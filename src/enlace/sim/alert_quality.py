"""Alert quality on the simulation (issue 9, "Alert quality"): the alerts the rules raised, as the
record shows them (the FHIR Flags, one per alert episode), matched to the simulator's ground truth
(sim/devices/truth.py). Definitions (docs/monitoring.md, "Simulation and alert quality"):

- An alert matches an episode when it is for the same patient, its rule detects that kind of
  episode (RULE_KINDS), and it opened between the episode's onset less a margin (MARGIN_US: a
  noisy reading may cross just before the true value does; a weight trend starts before its
  formal onset) and the episode's event time.
- Sensitivity of a kind: matched episodes / episodes, over the episodes whose event time lies
  within the simulated days; given for all episodes and for the observed ones (the device sent
  a reading that shows the episode: no rule can see what was never sent).
- Lead time: event time - opening of the first matching alert (median per kind).
- Late alerts: alerts of an episode's kind opened after its event while it still shows (LATE_US:
  a COPD exacerbation's plateau and recovery, the days after an admission): not detections, not
  false alarms either; counted apart.
- Non-actionable alerts: alerts that match no episode and are not late (whatever their rule),
  per patient-month of monitoring (from each patient's first device binding to the end of the
  simulated days).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from sqlalchemy import Connection

from enlace.kernel.clock import epoch_us
from enlace.modules.monitoring import registry
from enlace.sim.devices.common import DAY_US, EPISODE_KINDS, HOUR_US, MINUTE_US, Episode
from enlace.store.repository import FhirRepository

RULE_KINDS = {
    "glucose-low": "hypo",
    "bp-crisis": "bp-crisis",
    "hf-weight-gain": "hf-decompensation",
    "copd-spo2": "copd-exacerbation",
    "news2": "copd-exacerbation",
}
MARGIN_US = {
    "hypo": HOUR_US,  # on a slow descent the CGM error reads < 70 up to an hour early
    "bp-crisis": 30 * MINUTE_US,
    "hf-decompensation": DAY_US,
    "copd-exacerbation": DAY_US,
}
# After its event an episode still shows for a while (a COPD exacerbation's plateau and recovery,
# the weights after an admission): an alert then is late, neither a detection nor a false alarm.
LATE_US = {
    "hypo": HOUR_US,
    "bp-crisis": HOUR_US,
    "hf-decompensation": 7 * DAY_US,
    "copd-exacerbation": 6 * DAY_US,
}
RULE_SYSTEM_SUFFIX = "monitoring-rule"
MONTH_US = 30 * DAY_US


@dataclass(frozen=True)
class Alert:
    id: str
    patient: str
    rule: str
    opened_us: int


@dataclass(frozen=True)
class KindScore:
    kind: str
    episodes: int
    detected: int
    observed: int
    observed_detected: int
    lead_hours: list[float] = field(default_factory=list)

    @property
    def sensitivity(self) -> float | None:
        return self.detected / self.episodes if self.episodes else None

    @property
    def observed_sensitivity(self) -> float | None:
        return self.observed_detected / self.observed if self.observed else None

    @property
    def median_lead_hours(self) -> float | None:
        return statistics.median(self.lead_hours) if self.lead_hours else None


@dataclass(frozen=True)
class Quality:
    kinds: list[KindScore]
    alerts: int
    non_actionable: int
    patient_months: float
    by_rule: dict[str, tuple[int, int]]  # rule -> (alerts, non-actionable)
    pending_episodes: int  # event after the simulated days: not scored
    late: int = 0  # alerts of an episode opened after its event

    def total(self) -> KindScore:
        leads = [h for k in self.kinds for h in k.lead_hours]
        sums = [sum(getattr(k, f) for k in self.kinds) for f in ("episodes", "detected")]
        seen = [sum(getattr(k, f) for k in self.kinds) for f in ("observed", "observed_detected")]
        return KindScore("all", sums[0], sums[1], seen[0], seen[1], leads)

    @property
    def non_actionable_per_patient_month(self) -> float | None:
        return self.non_actionable / self.patient_months if self.patient_months else None


def matches(alert: Alert, episode: Episode) -> bool:
    if alert.patient != episode.patient or RULE_KINDS.get(alert.rule) != episode.kind:
        return False
    return episode.onset_us - MARGIN_US[episode.kind] <= alert.opened_us <= episode.event_us


def late_for(alert: Alert, episode: Episode) -> bool:
    if alert.patient != episode.patient or RULE_KINDS.get(alert.rule) != episode.kind:
        return False
    return episode.event_us < alert.opened_us <= episode.event_us + LATE_US[episode.kind]


def score(
    episodes: list[Episode], alerts: list[Alert], patient_months: float, end_us: int
) -> Quality:
    """Match `alerts` to `episodes` (the simulated days end at `end_us`)."""
    by_patient: dict[str, list[Episode]] = defaultdict(list)
    for episode in episodes:
        by_patient[episode.patient].append(episode)
    first: dict[Episode, int] = {}
    unmatched: Counter[str] = Counter()
    late = 0
    for alert in sorted(alerts, key=lambda a: a.opened_us):
        own = by_patient.get(alert.patient, [])
        found = [e for e in own if matches(alert, e)]
        for episode in found:
            first.setdefault(episode, alert.opened_us)
        if found:
            continue
        if any(late_for(alert, e) for e in own):
            late += 1
        else:
            unmatched[alert.rule] += 1
    complete = [e for e in episodes if e.event_us <= end_us]
    kinds = [_kind(kind, [e for e in complete if e.kind == kind], first) for kind in EPISODE_KINDS]
    totals = Counter(a.rule for a in alerts)
    by_rule = {rule: (totals[rule], unmatched[rule]) for rule in sorted(totals)}
    return Quality(
        kinds,
        len(alerts),
        sum(unmatched.values()),
        patient_months,
        by_rule,
        len(episodes) - len(complete),
        late,
    )


def _kind(kind: str, episodes: list[Episode], first: dict[Episode, int]) -> KindScore:
    detected = [e for e in episodes if e in first]
    observed = [e for e in episodes if e.observed]
    leads = [(e.event_us - first[e]) / HOUR_US for e in detected]
    return KindScore(
        kind,
        len(episodes),
        len(detected),
        len(observed),
        sum(1 for e in observed if e in first),
        leads,
    )


def stored_alerts(conn: Connection, repo: FhirRepository) -> list[Alert]:
    """Every alert episode as its Flag records it (rule code, patient, period.start)."""
    out: list[Alert] = []
    after: str | None = None
    while True:
        page = repo.scan(conn, "Flag", after=after)
        if not page:
            return out
        for version in page:
            alert = _alert(version.id, version.content)
            if alert is not None:
                out.append(alert)
        after = page[-1].id


def _alert(flag_id: str, content: bytes | None) -> Alert | None:
    if content is None:
        return None
    flag = orjson.loads(content)
    codings = flag.get("code", {}).get("coding", [])
    rule = next((c["code"] for c in codings if RULE_SYSTEM_SUFFIX in c.get("system", "")), None)
    start = flag.get("period", {}).get("start")
    subject = flag.get("subject", {}).get("reference", "")
    if rule is None or start is None or not subject.startswith("Patient/"):
        return None
    opened = epoch_us(datetime.fromisoformat(start.replace("Z", "+00:00")))
    return Alert(flag_id, subject.removeprefix("Patient/"), rule, opened)


def patient_months(conn: Connection, end_us: int) -> tuple[int, float]:
    """Monitored patients and their months of monitoring up to `end_us`."""
    since: dict[str, int] = {}
    for device in registry.list_devices(conn):
        if device.patient and device.bound_us is not None:
            since[device.patient] = min(since.get(device.patient, device.bound_us), device.bound_us)
    months = sum(max(end_us - start, 0) for start in since.values()) / MONTH_US
    return len(since), months
