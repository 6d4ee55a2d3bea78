"""Alert episodes: a monitoring_alerts row carried in FHIR by a Flag (what is wrong with the
patient) and a Task (who must act), written in the caller's transaction.

- `open_episode`: a new alert (row + Flag + Task; the Task's owner is care_team.responsible);
- `extend`: more abnormal readings — evidence appended, severity only raised (Task priority too);
- `close`: the condition cleared past its margin (or a person resolved it): Flag inactive, Task
  completed (cancelled when nobody had accepted it and the readings cleared it);
- `acknowledge(conn, repo, alert_id, by)` and `resolve(conn, repo, alert_id, by, note)` are the
  physician's actions: the first stops the escalation clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, case, select, text, update

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.modules.monitoring import domain as d
from enlace.modules.monitoring.care_team import responsible
from enlace.modules.monitoring.rules import Verdict
from enlace.modules.monitoring.tables import alerts as table
from enlace.modules.monitoring.thresholds import RANK, escalate_after
from enlace.store.repository import FhirRepository

BASE = "https://enlace.health/fhir"
RULE_SYSTEM = f"{BASE}/CodeSystem/monitoring-rule"
PRIORITY = {"info": "routine", "warning": "urgent", "urgent": "asap", "emergency": "stat"}
RULE_DISPLAY = {
    "bp-crisis": "Crisis hipertensiva",
    "glucose-low": "Hipoglucemia",
    "glucose-high": "Hiperglucemia",
    "news2": "NEWS2 elevado",
    "hf-weight-gain": "Aumento de peso en insuficiencia cardiaca",
    "copd-spo2": "SpO2 baja en EPOC",
    "no-data": "Dispositivo sin datos",
}
MAX_EVIDENCE = 20  # readings kept per episode: the first one and the latest


@dataclass
class Episode:
    """An open or acknowledged alert as the rules see it in memory during a batch."""

    id: str
    patient: str
    rule: str
    severity: str
    status: str
    last_evidence_us: int
    evidence: dict[str, Any]
    task_id: str | None
    flag_id: str | None
    dirty: bool = False  # absorbed evidence not yet written
    raised: str | None = None  # the new summary when the severity rose


def iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, UTC).isoformat().replace("+00:00", "Z")


def reading_json(r: d.Reading) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": r.code,
        "value": r.value,
        "unit": d.CODES[r.code].unit if r.code in d.CODES else None,
        "time": iso(r.effective_us),
        "device": r.device,
    }
    if r.value2 is not None:
        out["value2"] = r.value2
    return out


def live(conn: Connection, patients: list[str]) -> dict[tuple[str, str], Episode]:
    """The open and acknowledged alerts of `patients`, by (patient, rule): one query."""
    found: dict[tuple[str, str], Episode] = {}
    c = table.c
    for start in range(0, len(patients), 500):
        query = select(table).where(
            c.patient.in_(patients[start : start + 500]), c.status != "resolved"
        )
        for row in conn.execute(query):
            found[(row.patient, row.rule)] = _episode(row)
    return found


def claim(conn: Connection, patient: str, rule: str) -> Episode | None:
    """Before opening an alert: serialize with any other transaction about to open the same
    (patient, rule) — on PostgreSQL a transaction-scoped advisory lock; SQLite's writers are
    serial already — then return the episode such a transaction committed meanwhile, if any,
    so that two devices reporting at once still make one alert."""
    if conn.dialect.name == "postgresql":
        key = f"monitoring-alert:{patient}:{rule}"
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})
    return live(conn, [patient]).get((patient, rule))


def open_episode(
    conn: Connection, repo: FhirRepository, patient: str, verdict: Verdict, now_us: int
) -> Episode:
    assert verdict.severity is not None
    owner = responsible(conn, repo, patient)
    evidence = {
        "readings": [reading_json(r) for r in verdict.evidence],
        "figures": dict(verdict.figures),
        "owner": owner.owner,
        "organization": owner.organization,
    }
    first = min((r.received_us for r in verdict.evidence), default=now_us)
    last = max((r.effective_us for r in verdict.evidence), default=now_us)
    flag = repo.create(conn, _flag(patient, verdict, now_us))
    task = repo.create(conn, _task(patient, verdict, flag.id, owner.owner, now_us))
    delay = escalate_after(verdict.severity)
    alert_id = repo.new_id()
    conn.execute(
        table.insert().values(
            id=alert_id,
            patient=patient,
            rule=verdict.rule,
            severity=verdict.severity,
            status="open",
            opened_us=now_us,
            received_us=first,
            last_evidence_us=last,
            escalation_level=0,
            next_escalation_us=None if delay is None else now_us + delay,
            flag_id=flag.id,
            task_id=task.id,
            summary=verdict.summary,
            evidence=orjson.dumps(evidence).decode(),
        )
    )
    return Episode(
        alert_id, patient, verdict.rule, verdict.severity, "open", last, evidence, task.id, flag.id
    )


def _flag(patient: str, verdict: Verdict, now_us: int) -> dict[str, Any]:
    return {
        "resourceType": "Flag",
        "status": "active",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/flag-category",
                        "code": "clinical",
                        "display": "Clinical",
                    }
                ]
            }
        ],
        "code": {
            "coding": [
                {"system": RULE_SYSTEM, "code": verdict.rule, "display": RULE_DISPLAY[verdict.rule]}
            ],
            "text": verdict.summary,
        },
        "subject": {"reference": f"Patient/{patient}"},
        "period": {"start": iso(now_us)},
    }


def _task(
    patient: str, verdict: Verdict, flag_id: str, owner: str | None, now_us: int
) -> dict[str, Any]:
    assert verdict.severity is not None
    lines = [verdict.summary] + [
        f"{r['code']} {r['value']}{'/' + str(r['value2']) if 'value2' in r else ''} "
        f"{r['unit']} {r['time']} ({r['device']})"
        for r in (reading_json(x) for x in verdict.evidence)
    ]
    task: dict[str, Any] = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "priority": PRIORITY[verdict.severity],
        "code": {"coding": [{"system": RULE_SYSTEM, "code": verdict.rule}]},
        "description": "\n".join(lines),
        "focus": {"reference": f"Flag/{flag_id}"},
        "for": {"reference": f"Patient/{patient}"},
        "authoredOn": iso(now_us),
    }
    if owner is not None:
        task["owner"] = {"reference": owner}
    return task


def absorb(episode: Episode, verdict: Verdict) -> None:
    """Add the verdict's readings to the episode in memory; raise its severity if the verdict's
    is higher (never lower it: an episode is as serious as its worst moment). `flush` writes."""
    assert verdict.severity is not None
    shown = episode.evidence.setdefault("readings", [])
    seen: set[tuple[str, str, str]] | None = None
    for reading in verdict.evidence:
        if reading.effective_us <= episode.last_evidence_us:  # a CGM run overlaps what we hold
            if seen is None:
                seen = {(r["code"], r["time"], r["device"]) for r in shown}
            if (reading.code, iso(reading.effective_us), reading.device) in seen:
                continue
        shown.append(reading_json(reading))
    if len(shown) > MAX_EVIDENCE:
        del shown[1 : len(shown) - MAX_EVIDENCE + 1]
    episode.evidence["figures"] = dict(verdict.figures)
    latest = max((r.effective_us for r in verdict.evidence), default=episode.last_evidence_us)
    episode.last_evidence_us = max(episode.last_evidence_us, latest)
    if RANK[verdict.severity] > RANK[episode.severity]:
        episode.severity = verdict.severity
        episode.raised = verdict.summary
    episode.dirty = True


def flush(conn: Connection, repo: FhirRepository, episode: Episode) -> None:
    """Write what `absorb` gathered: one UPDATE (and the Task's priority if it rose)."""
    flush_many(conn, repo, [episode])


def flush_many(conn: Connection, repo: FhirRepository, episodes: list[Episode]) -> None:
    """Write what `absorb` gathered: the plain extensions in one executemany, a raised
    severity with its Task priority and shorter escalation clock one by one."""
    plain = []
    for episode in episodes:
        if not episode.dirty:
            continue
        evidence = orjson.dumps(episode.evidence).decode()
        if episode.raised is None:
            plain.append({"alert": episode.id, "last": episode.last_evidence_us, "ev": evidence})
        else:
            _raise(conn, repo, episode, evidence)
        episode.dirty, episode.raised = False, None
    if plain:
        statement = (
            update(table)
            .where(table.c.id == bindparam("alert"))
            .values(last_evidence_us=bindparam("last"), evidence=bindparam("ev"))
        )
        conn.execute(statement, plain)


def _raise(conn: Connection, repo: FhirRepository, episode: Episode, evidence: str) -> None:
    values: dict[str, Any] = {
        "last_evidence_us": episode.last_evidence_us,
        "evidence": evidence,
        "severity": episode.severity,
        "summary": episode.raised,
    }
    retask(conn, repo, episode.task_id, priority=PRIORITY[episode.severity])
    delay = escalate_after(episode.severity)
    if episode.status == "open" and delay is not None:  # a worse alert's clock is shorter
        due = delay + epoch_us(repo.clock())
        current = table.c.next_escalation_us
        values["next_escalation_us"] = case((current < due, current), else_=due)
    conn.execute(update(table).where(table.c.id == episode.id).values(**values))


def close(
    conn: Connection,
    repo: FhirRepository,
    episode: Episode,
    now_us: int,
    by: str | None = None,
    note: str | None = None,
) -> None:
    """End the episode: the row resolved, Flag inactive, Task completed (or cancelled when the
    readings cleared an alert nobody had accepted)."""
    status = "completed" if by is not None or episode.status == "acknowledged" else "cancelled"
    text = note or "Condición resuelta según lecturas posteriores"
    retask(conn, repo, episode.task_id, status=status, note=text, at=now_us, by=by)
    if episode.flag_id:
        flag = repo.read(conn, "Flag", episode.flag_id).resource()
        flag["status"] = "inactive"
        flag.setdefault("period", {})["end"] = iso(now_us)
        repo.update(conn, flag, episode.flag_id)
    conn.execute(
        update(table)
        .where(table.c.id == episode.id)
        .values(status="resolved", resolved_us=now_us, next_escalation_us=None)
    )
    episode.status = "resolved"


def retask(
    conn: Connection,
    repo: FhirRepository,
    task_id: str | None,
    note: str | None = None,
    at: int | None = None,
    by: str | None = None,
    **fields: Any,
) -> None:
    if task_id is None:
        return
    task = repo.read(conn, "Task", task_id).resource()
    task.update(fields)
    if note is not None:
        entry: dict[str, Any] = {"text": note}
        if at is not None:
            entry["time"] = iso(at)
        if by is not None:  # a FHIR reference (fhirUser), else the account's name
            entry.update(
                {"authorReference": {"reference": by}} if "/" in by else {"authorString": by}
            )
        task.setdefault("note", []).append(entry)
    repo.update(conn, task, task_id)


# -- the physician's actions -----------------------------------------------------------------
def _load(conn: Connection, alert_id: str) -> Any:
    row = conn.execute(select(table).where(table.c.id == alert_id).with_for_update()).first()
    if row is None:
        raise errors.not_found(f"Alert {alert_id} is not known")
    return row


def _episode(row: Any) -> Episode:
    return Episode(
        row.id,
        row.patient,
        row.rule,
        row.severity,
        row.status,
        row.last_evidence_us,
        orjson.loads(row.evidence),
        row.task_id,
        row.flag_id,
    )


def acknowledge(conn: Connection, repo: FhirRepository, alert_id: str, by: str) -> str:
    """The physician has seen it: Task accepted, escalation stopped. Acknowledging again is a
    no-op; a resolved alert cannot be (409). Returns the alert's status."""
    row = _load(conn, alert_id)
    if row.status == "resolved":
        raise errors.conflict(f"Alert {alert_id} is already resolved")
    if row.status == "acknowledged":
        return "acknowledged"
    now_us = epoch_us(repo.clock())
    retask(conn, repo, row.task_id, status="accepted", note="Alerta recibida", at=now_us, by=by)
    conn.execute(
        update(table)
        .where(table.c.id == alert_id)
        .values(
            status="acknowledged",
            acknowledged_us=now_us,
            acknowledged_by=by,
            next_escalation_us=None,
        )
    )
    return "acknowledged"


def resolve(conn: Connection, repo: FhirRepository, alert_id: str, by: str, note: str) -> str:
    """The physician acted: the note goes on the Task (completed), the Flag becomes inactive."""
    note = note.strip()
    if not note:
        raise errors.bad_request("A resolution needs a note saying what was done", "note")
    if len(note) > 2000:
        raise errors.bad_request("The note is longer than 2000 characters", "note")
    row = _load(conn, alert_id)
    if row.status == "resolved":
        raise errors.conflict(f"Alert {alert_id} is already resolved")
    now_us = epoch_us(repo.clock())
    if row.status == "open":  # acting on it implies having seen it
        conn.execute(
            update(table)
            .where(table.c.id == alert_id)
            .values(acknowledged_us=now_us, acknowledged_by=by)
        )
    close(conn, repo, _episode(row), now_us, by=by, note=note)
    return "resolved"
