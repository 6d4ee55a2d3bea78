"""Alert rules applied to newly stored readings (issue 9 parts 4 and 5; docs/monitoring.md
"Rules and alerts").

Ingestion calls `on_readings` in the transaction that stored the readings, with only the readings
that were new (duplicates never reach it). Per batch: one query for the open alerts of the
batch's patients, one reference-index lookup for their Goals (thresholds) and, when the batch has
vitals or weights, Conditions (HF/COPD rules); then every reading is checked in memory. Only a
reading past a threshold, or one that could end an open episode, asks for history (CGM runs,
earlier capillary values, the NEWS2 hour, 3 days of weight), fetched in one query per kind for
the whole batch. So an in-range reading with nothing open costs a few comparisons.

New alerts are announced after commit by the escalation loop (channels.deliver_opened): never
network I/O inside the ingest transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Connection

from enlace.kernel.clock import epoch_us
from enlace.modules.monitoring import alerts, news2, rules
from enlace.modules.monitoring import domain as d
from enlace.modules.monitoring.alert_history import (
    CGM_LOOKBACK_US,
    HYPER_LOOKBACK_US,
    History,
    Need,
)
from enlace.modules.monitoring.care_team import PatientContext, context_for
from enlace.modules.monitoring.rules import ABNORMAL, CLEAR, Verdict
from enlace.modules.monitoring.thresholds import (
    CAPILLARY_REPEAT_US,
    NEWS2_WINDOW_US,
    WEIGHT_WINDOW_US,
)
from enlace.store.repository import FhirRepository

NEWS2_CODES = tuple(news2.VITALS)
CONTEXT_CODES = frozenset((*NEWS2_CODES, d.WEIGHT))  # rules that depend on HF/COPD diagnoses


def on_readings(conn: Connection, repo: FhirRepository, readings: Sequence[d.Reading]) -> list[str]:
    """Evaluate the rules for `readings`; the ids of the alerts opened, updated or resolved."""
    if not readings:
        return []
    batch = Batch(conn, repo, readings)
    return batch.run()


class Batch:
    def __init__(self, conn: Connection, repo: FhirRepository, readings: Sequence[d.Reading]):
        self.conn, self.repo = conn, repo
        self.by_patient: dict[str, list[d.Reading]] = defaultdict(list)
        for reading in readings:
            self.by_patient[reading.patient].append(reading)
        patients = sorted(self.by_patient)
        self.episodes = alerts.live(conn, patients)
        needs_conditions = any(r.code in CONTEXT_CODES for r in readings)
        self.context = context_for(conn, repo, patients, needs_conditions)
        self.now_us = epoch_us(repo.clock())
        self.touched: dict[str, alerts.Episode] = {}
        self.history = History(conn, readings)

    def run(self) -> list[str]:
        for patient, batch in self.by_patient.items():
            batch.sort(key=lambda r: r.effective_us)
            self._close_no_data(patient, batch)
            for reading in batch:
                self._ask_history(reading)
        self.history.load()
        for patient, batch in self.by_patient.items():
            for reading in batch:
                for verdict in self._verdicts(reading):
                    self._apply(patient, verdict)
        live = [e for e in self.touched.values() if e.status != "resolved"]
        alerts.flush_many(self.conn, self.repo, live)
        return list(self.touched)

    # -- which readings need history --------------------------------------------------------
    def _open(self, patient: str, rule: str) -> bool:
        return (patient, rule) in self.episodes

    def _ask_history(self, r: d.Reading) -> None:
        ctx = self.context[r.patient]
        if r.code == d.CGM_GLUCOSE and self._glucose_matters(r, ctx):
            hyper = r.value > ctx.limits.glucose_high or self._open(r.patient, "glucose-high")
            lookback = HYPER_LOOKBACK_US if hyper else CGM_LOOKBACK_US
            self.history.need(Need.CGM, r.patient, r.effective_us - lookback)
        if r.code == d.CAPILLARY_GLUCOSE and self._capillary_history(r, ctx):
            self.history.need(Need.CAPILLARY, r.patient, r.effective_us - CAPILLARY_REPEAT_US)
        if r.code in news2.VITALS and (
            news2.points(r.code, r.value, ctx.copd) > 0 or self._open(r.patient, "news2")
        ):
            self.history.need(Need.NEWS2, r.patient, r.effective_us - NEWS2_WINDOW_US)
        if r.code == d.WEIGHT and ctx.heart_failure:
            self.history.need(Need.WEIGHT, r.patient, r.effective_us - WEIGHT_WINDOW_US)

    def _capillary_history(self, r: d.Reading, ctx: PatientContext) -> bool:
        """A capillary value above the hyperglycemia threshold, or one that could end an open
        hyperglycemia episode, is judged with the previous capillary reading."""
        if r.value > ctx.limits.glucose_high:
            return True
        return self._open(r.patient, "glucose-high") and r.value <= ctx.limits.glucose_high_clear

    def _glucose_matters(self, r: d.Reading, ctx: PatientContext) -> bool:
        lim = ctx.limits
        if r.value < lim.glucose_low or r.value > lim.glucose_high:
            return True
        low_open = self._open(r.patient, "glucose-low") and r.value >= lim.glucose_low_clear
        high_open = self._open(r.patient, "glucose-high") and r.value <= lim.glucose_high_clear
        return low_open or high_open

    # -- verdicts ---------------------------------------------------------------------------
    def _verdicts(self, r: d.Reading) -> list[Verdict]:
        ctx = self.context[r.patient]
        out: list[Verdict] = []
        if r.code == d.BP_PANEL:
            out.append(rules.bp_crisis(r, ctx.limits))
        elif r.code == d.CGM_GLUCOSE:
            if not self._glucose_matters(r, ctx):
                return []
            run = self.history.cgm_run(r)
            out.append(rules.glucose_low(r, ctx.limits, run))
            out.append(rules.glucose_high(r, ctx.limits, run))
        elif r.code == d.CAPILLARY_GLUCOSE:
            prior = self.history.capillary_before(r) if self._capillary_history(r, ctx) else []
            out.append(rules.glucose_low(r, ctx.limits))
            out.append(rules.glucose_high(r, ctx.limits, prior))
        elif r.code == d.WEIGHT and ctx.heart_failure:
            out.append(rules.weight_gain(r, self.history.weights_before(r), ctx.limits))
        if r.code == d.SPO2 and ctx.copd:
            out.append(rules.copd_spo2(r, ctx.limits))
        if r.code in news2.VITALS and self.history.has_news2(r.patient):
            out.append(rules.news2_verdict(self.history.news2_latest(r), ctx.copd))
        return out

    def _apply(self, patient: str, verdict: Verdict) -> None:
        key = (patient, verdict.rule)
        episode = self.episodes.get(key)
        if verdict.state == ABNORMAL:
            if episode is None:
                episode = alerts.claim(self.conn, patient, verdict.rule)
            if episode is None:
                # Stamped when it is written, not when the batch began: the latency it records
                # includes the batch's rule work (all but the commit).
                opened = epoch_us(self.repo.clock())
                episode = alerts.open_episode(self.conn, self.repo, patient, verdict, opened)
                self.episodes[key] = episode
            else:
                alerts.absorb(episode, verdict)
                self.episodes[key] = episode
            self.touched[episode.id] = episode
        elif verdict.state == CLEAR and episode is not None:
            alerts.flush(self.conn, self.repo, episode)
            alerts.close(self.conn, self.repo, episode, self.now_us)
            del self.episodes[key]
            self.touched[episode.id] = episode

    def _close_no_data(self, patient: str, batch: list[d.Reading]) -> None:
        """A device that speaks again ends its no-data alarm."""
        episode = self.episodes.get((patient, "no-data"))
        if episode is None:
            return
        listed = episode.evidence.get("figures", {}).get("devices", ())
        silent = {str(x.get("device")) for x in listed}
        if silent & {r.device for r in batch}:
            alerts.close(self.conn, self.repo, episode, self.now_us)
            del self.episodes[(patient, "no-data")]
            self.touched[episode.id] = episode
