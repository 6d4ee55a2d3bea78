"""`patient-view` cards: the patient's open care gaps (enlace.modules.screening), the latest
risk assessment, and referral follow-ups past their due date (`Task.restriction.period.end`,
as the screening follow-up loop sets it)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from enlace.modules import screening

from .cards import Card, card
from .knowledge import Source, Text
from .records import entries

GAPS_SOURCE = Source("Enlace: brechas de atención / care gaps (docs/screening.md)")
RISK_SOURCE = Source("Enlace: evaluación de riesgo / risk assessment")
TASK_SOURCE = Source("Enlace: seguimiento de referencias / referral follow-up")
HIGH_RISK = ("high", "certain")


def view_cards(
    conn: Connection,
    repo: Any,
    patient_id: str,
    data: dict[str, Any],
    today: date,
    lang: str,
    ours: bool = True,
) -> list[tuple[str, Card]]:
    """`ours`: the caller may see the patient in this platform (care gaps are read here)."""
    made: list[tuple[str, Card]] = []
    gaps = screening.care_gaps(conn, repo, patient_id, today) if ours else []
    if gaps:
        lines = "\n".join(
            f"- {g.title(lang)}" + (f" ({g.due_since.isoformat()})" if g.due_since else "")
            for g in gaps
        )
        summary = Text(
            f"{len(gaps)} pendiente(s) de atención: {gaps[0].title('es')}",
            f"{len(gaps)} care gap(s): {gaps[0].title('en')}",
        )
        made.append(("gap", card(summary, "warning", Text(lines, lines), GAPS_SOURCE, lang)))
    risk = _latest_risk(data)
    if risk is not None:
        made.append(("risk", risk_card(risk, lang)))
    for task in entries(data.get("followups"), "Task"):
        due = _due(task)
        if due is not None and due < today:
            made.append(("follow-up", followup_card(task, due, today, lang)))
    return made


def _latest_risk(data: dict[str, Any]) -> dict[str, Any] | None:
    found = [
        r
        for r in entries(data.get("risk"), "RiskAssessment")
        if r.get("status") != "entered-in-error"
    ]
    return max(found, key=lambda r: str(r.get("occurrenceDateTime") or ""), default=None)


def risk_card(risk: dict[str, Any], lang: str) -> Card:
    lines, high = [], False
    for prediction in risk.get("prediction") or []:
        outcome = (prediction.get("outcome") or {}).get("text") or _display(
            prediction.get("outcome")
        )
        level = _code(prediction.get("qualitativeRisk"))
        high = high or level in HIGH_RISK
        share = prediction.get("probabilityDecimal")
        percent = f" {share * 100:.0f} %" if isinstance(share, int | float) else ""
        lines.append(f"- {outcome}: {level or '?'}{percent}")
    when = str(risk.get("occurrenceDateTime") or "")[:10]
    summary = Text(
        f"Riesgo {'alto' if high else 'registrado'} (evaluación del {when})",
        f"{'High' if high else 'Recorded'} risk (assessed {when})",
    )
    detail = "\n".join(lines) or "-"
    return card(summary, "warning" if high else "info", Text(detail, detail), RISK_SOURCE, lang)


def followup_card(task: dict[str, Any], due: date, today: date, lang: str) -> Card:
    what = str(task.get("description") or _display(task.get("code")) or "referencia")
    late = (today - due).days
    summary = Text(
        f"Seguimiento vencido hace {late} día(s): {what}"[:140],
        f"Follow-up overdue by {late} day(s): {what}"[:140],
    )
    detail = Text(
        f"Task/{task.get('id')} vence el {due.isoformat()}; estado {task.get('status')}.",
        f"Task/{task.get('id')} was due {due.isoformat()}; status {task.get('status')}.",
    )
    return card(summary, "warning", detail, TASK_SOURCE, lang)


def _due(task: dict[str, Any]) -> date | None:
    period = (task.get("restriction") or {}).get("period") or {}
    end = period.get("end")
    try:
        return date.fromisoformat(str(end)[:10]) if end else None
    except ValueError:
        return None


def _code(concept: Any) -> str | None:
    for coding in (concept or {}).get("coding") or []:
        if coding.get("code"):
            return str(coding["code"])
    return None


def _display(concept: Any) -> str:
    for coding in (concept or {}).get("coding") or []:
        if coding.get("display"):
            return str(coding["display"])
    return ""
