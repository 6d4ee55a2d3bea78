"""Interventions (issue 11 part 3): the day's risk scores turned into actions, each recorded
with its reason (rule id, probability, features).

Rules, from the lowest risk up (thresholds in `InterventionSettings`):
- R1 reminder (risk ≥ 0.3): a refill reminder when the supply runs out within a week (else a dose
  reminder) — SMS doubles the odds of adherence (REFERENCE.md §4);
- R2 auto-refill with home delivery offered (≥ 0.5, when delivery is available and the therapy
  is not on auto-refill yet) — replaces R1's message: it removes the trip, not just reminds;
- R3 copay assistance (≥ 0.3 and the copay is high: ≥ 5 % of the household's monthly income, or
  ≥ $300 when the income is unknown), with the sliding-scale fee when income and household size
  are known — replaces the other messages: cost is then the stated reason;
- R4 nurse outreach (≥ 0.7): a FHIR Task for the clinic's nurses (performerType nurse, owner the
  clinic), one open Task per therapy — the worklist;
- R5 physician notification (≥ 0.7): a FHIR Communication to the prescriber, at most once per
  therapy per 14 days.
One message per therapy per day at most; the messaging caps (one adherence message a patient a
day) then let the riskiest therapy's message through, because therapies are handled riskiest
first. Control therapies (randomization.py) get nothing proactive, except R4 when their risk
is high (clinically required; recorded as rule R4-clinical).

`run_interventions` is the entry point of the daily job (`enlace adherence run`): one
transaction for the assignments, the actions, the queued messages, the Tasks and the
Communications. Idempotent per (therapy, day): run twice, the second run writes nothing.
Delivery of the queued messages happens after commit (messaging.deliver_due).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select

from enlace.modules.messaging import MessageRequest, enqueue_many
from enlace.modules.messaging.tables import actions
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

from . import intervention_fhir as fhir
from .randomization import CONTROL, Assignment, Study, assign


@dataclass(frozen=True, slots=True)
class TherapyRisk:
    """One scored therapy, with what the rules look at (from the model and the measures)."""

    patient: str  # Patient logical id
    therapy: str  # domain.therapy_key
    probability: float  # of discontinuation 28-42 days ahead
    days_supply_left: int | None = None
    pdc: float | None = None
    copay_centavos: int | None = None  # per fill
    household_income_centavos: int | None = None  # per month
    household_size: int | None = None
    area: str = "urban"  # urban | rural (sliding scale)
    delivery_available: bool = False
    auto_refill: bool = False  # already on auto-refill
    clinic: str | None = None  # Organization/<id> whose nurses call
    prescriber: str | None = None  # Practitioner/<id>
    medicine: str = "medicamento"
    pharmacy: str = "tu farmacia"
    name: str = "Hola"
    due: date | None = None  # when the supply runs out
    top_features: dict[str, float] = field(default_factory=dict)  # the model's explanation


@dataclass(frozen=True, slots=True)
class InterventionSettings:
    study: Study = field(default_factory=Study)
    sender: str = "Red Enlace"
    reminder_at: float = 0.3
    auto_refill_at: float = 0.5
    outreach_at: float = 0.7
    notify_at: float = 0.7
    copay_share_high: float = 0.05
    copay_high_centavos: int = 30_000
    refill_window_days: int = 7
    notify_every_days: int = 14


@dataclass(frozen=True, slots=True)
class Action:
    kind: str  # message | outreach-task | notify-physician
    rule: str
    template: str | None = None


@dataclass
class InterventionReport:
    scored: int = 0
    enrolled: int = 0
    control: int = 0
    actions: dict[str, int] = field(default_factory=dict)  # rule -> count recorded today
    messages_not_sent: dict[str, int] = field(default_factory=dict)  # reason -> count


def plan(risk: TherapyRisk, arm: str, settings: InterventionSettings) -> list[Action]:
    """The actions the rules give a therapy in an arm (pure)."""
    p = risk.probability
    planned: list[Action] = []
    if arm == CONTROL:
        if p >= settings.outreach_at:
            planned.append(Action("outreach-task", "R4-clinical"))
        return planned
    message = _message(risk, settings)
    if message is not None:
        planned.append(message)
    if p >= settings.outreach_at:
        planned.append(Action("outreach-task", "R4-outreach"))
    if p >= settings.notify_at and risk.prescriber:
        planned.append(Action("notify-physician", "R5-notify"))
    return planned


def _message(risk: TherapyRisk, settings: InterventionSettings) -> Action | None:
    p = risk.probability
    if p < settings.reminder_at:
        return None
    if copay_is_high(risk, settings):
        return Action("message", "R3-copay", "copay-assistance")
    if p >= settings.auto_refill_at and risk.delivery_available and not risk.auto_refill:
        return Action("message", "R2-auto-refill", "auto-refill-offer")
    left = risk.days_supply_left
    near = left is not None and left <= settings.refill_window_days
    return Action("message", "R1-reminder", "refill-reminder" if near else "dose-reminder")


def copay_is_high(risk: TherapyRisk, settings: InterventionSettings) -> bool:
    copay = risk.copay_centavos
    if not copay:
        return False
    income = risk.household_income_centavos
    if income:
        return copay >= settings.copay_share_high * income
    return copay >= settings.copay_high_centavos


def run_interventions(
    db: Database,
    repo: FhirRepository,
    scores: Iterable[TherapyRisk],
    day: date,
    now_us: int,
    settings: InterventionSettings | None = None,
) -> InterventionReport:
    """The daily entry point in its own transaction (see `apply_interventions`)."""
    with db.begin() as conn:
        return apply_interventions(conn, repo, scores, day, now_us, settings)


def apply_interventions(
    conn: Connection,
    repo: FhirRepository,
    scores: Iterable[TherapyRisk],
    day: date,
    now_us: int,
    settings: InterventionSettings | None = None,
) -> InterventionReport:
    """Every scored therapy through randomization and the rules, in the caller's transaction
    (the daily job's: the scores, the actions and the queued messages commit together); what
    was already done today is skipped. Deliver the messages after commit (messaging.deliver_due)."""
    settings = settings or InterventionSettings()
    ranked = sorted(scores, key=lambda r: (-r.probability, r.patient, r.therapy))
    report = InterventionReport(scored=len(ranked))
    scored = [(r.patient, r.therapy, r.probability) for r in ranked]
    arms = assign(conn, settings.study, scored, day, now_us)
    done = _done_today(conn, settings.study.id, day)
    rows: list[dict[str, Any]] = []
    messages: list[tuple[MessageRequest, dict[str, Any]]] = []  # sent in one batch, in order
    for risk in ranked:
        arm = arms.get((risk.patient, risk.therapy))
        if arm is None:
            continue
        report.enrolled += 1
        report.control += arm.arm == CONTROL
        for action in plan(risk, arm.arm, settings):
            if (risk.patient, risk.therapy, action.kind) in done:
                continue
            row = _action_row(risk, arm, action, day, now_us, settings.study.id)
            if action.kind == "message":
                messages.append((_message_request(risk, action, row, settings), row))
                continue
            row["reference"] = _fhir_action(conn, repo, risk, action, day, settings)
            if row["reference"] is not None:  # else an open Task or a recent notice covers it
                rows.append(row)
    for queued, (_, row) in zip(
        enqueue_many(conn, [m for m, _ in messages], now_us), messages, strict=True
    ):
        row["reference"] = queued.id
        rows.append(row)
        if queued.outcome:
            report.messages_not_sent[queued.outcome] = (
                report.messages_not_sent.get(queued.outcome, 0) + 1
            )
    if rows:
        conn.execute(insert(actions), rows)
    for row in rows:
        report.actions[row["rule"]] = report.actions.get(row["rule"], 0) + 1
    return report


def _done_today(conn: Connection, study: str, day: date) -> set[tuple[str, str, str]]:
    c = actions.c
    rows = conn.execute(
        select(c.patient, c.therapy, c.kind).where(c.study == study, c.day == day.isoformat())
    )
    return {(r.patient, r.therapy, r.kind) for r in rows}


def _action_row(
    risk: TherapyRisk, arm: Assignment, action: Action, day: date, now_us: int, study: str
) -> dict[str, Any]:
    return {
        "id": _action_id(study, risk, day, action.kind),
        "study": study,
        "patient": risk.patient,
        "therapy": risk.therapy,
        "day": day.isoformat(),
        "kind": action.kind,
        "rule": action.rule,
        "probability": risk.probability,
        "features": orjson.dumps(_reason(risk, arm, action, day)).decode(),
        "reference": None,
        "created_us": now_us,
    }


def _message_request(
    risk: TherapyRisk, action: Action, row: dict[str, Any], settings: InterventionSettings
) -> MessageRequest:
    assert action.template is not None
    key = f"{row['study']}|{risk.patient}|{risk.therapy}|{row['day']}|message"
    params = fhir.message_params(risk, action.template, settings.sender)
    return MessageRequest(risk.patient, action.template, params, key, orjson.loads(row["features"]))


def _fhir_action(
    conn: Connection,
    repo: FhirRepository,
    risk: TherapyRisk,
    action: Action,
    day: date,
    settings: InterventionSettings,
) -> str | None:
    study = settings.study.id
    if action.kind == "outreach-task":
        return fhir.open_outreach(conn, repo, study, risk, action.rule, day)
    return fhir.notify_physician(conn, repo, study, risk, day, settings.notify_every_days)


def _reason(risk: TherapyRisk, arm: Assignment, action: Action, day: date) -> dict[str, object]:
    return {
        "rule": action.rule,
        "probability": round(risk.probability, 4),
        "arm": arm.arm,
        "stratum": arm.stratum,
        "day": day.isoformat(),
        "therapy": risk.therapy,
        "features": {
            "days_supply_left": risk.days_supply_left,
            "pdc": risk.pdc,
            "copay_centavos": risk.copay_centavos,
            "delivery_available": risk.delivery_available,
            **{f"model:{k}": v for k, v in risk.top_features.items()},
        },
    }


def _action_id(study: str, risk: TherapyRisk, day: date, kind: str) -> str:
    text = f"{study}|{risk.patient}|{risk.therapy}|{day.isoformat()}|{kind}"
    return "act-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def actions_on(conn: Connection, day: date) -> list[dict[str, object]]:
    """The actions recorded for a day, with their reasons (for the pages and the CLI)."""
    c = actions.c
    rows = conn.execute(select(actions).where(c.day == day.isoformat()).order_by(c.patient))
    return [{**row._asdict(), "features": orjson.loads(row.features)} for row in rows]
