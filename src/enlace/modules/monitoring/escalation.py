"""The escalation clock and the no-data alarm (issue 9 part 5; docs/monitoring.md "Escalation").

`escalate_due(db, repo, now_us)`: every open (unacknowledged) alert whose `next_escalation_us`
has passed moves one level, one transaction per alert:
  level 0 → 1: the Task's owner becomes the organization's on-call practitioner (care_team.on_call:
               a PractitionerRole coded `on-call`, else another doctor, else the organization);
  level 1 → 2: for alerts whose clinical threshold says the patient must be seen
               (thresholds.refers), a ServiceRequest refers the patient to a public hospital:
               the care module's referral (care.refer: ServiceRequest + Task, SLA clock,
               the hospital's worklist) when the clinic is a catalog facility.
Each step is claimed by a conditional UPDATE on (id, level, status, due time): of two runners the
second matches no row (PostgreSQL re-checks the WHERE after the first commits; SQLite's writers
queue), so a step is never taken twice. Acknowledged alerts are never selected.

`check_stale_devices(db, repo, now_us)`: bound, active devices silent for longer than their
kind's interval (thresholds.STALE_AFTER) open one `no-data` alert per patient listing them; the
alert resolves when they are all heard from again.

`start(...)`: both on a daemon thread every `every_s` seconds (bootstrap, start_jobs).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, func, select, update

from enlace.kernel.clock import Clock, epoch_us, system_clock
from enlace.modules import care
from enlace.modules.monitoring import alerts, care_team
from enlace.modules.monitoring.channels import Notifier, announce, deliver_opened
from enlace.modules.monitoring.rules import ABNORMAL, Verdict
from enlace.modules.monitoring.tables import alerts as table
from enlace.modules.monitoring.tables import devices
from enlace.modules.monitoring.thresholds import STALE_AFTER, escalate_after, higher, refers
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

log = logging.getLogger(__name__)

SNOMED = "http://snomed.info/sct"
REFERRAL = {"system": SNOMED, "code": "3457005", "display": "Patient referral"}
BATCH = 500


@dataclass(frozen=True, slots=True)
class Step:
    alert: str
    patient: str
    level: int  # the level reached
    action: str  # on-call | referral | stop
    target: str | None  # the new owner or the hospital


def escalate_due(
    db: Database, repo: FhirRepository, now_us: int, notifier: Notifier | None = None
) -> list[Step]:
    """Take every escalation step due at `now_us`; the steps taken, in due order."""
    c = table.c
    with db.read() as conn:
        due = conn.execute(
            select(c.id)
            .where(c.status == "open", c.next_escalation_us <= now_us)
            .order_by(c.next_escalation_us, c.id)
            .limit(BATCH)
        ).all()
    steps = []
    for (alert_id,) in due:
        with db.begin() as conn:
            step = _escalate(conn, repo, alert_id, now_us)
        if step is not None:
            steps.append(step)
            if notifier is not None and step.action != "stop":
                announce(db, notifier, [step.alert])
    return steps


def _escalate(conn: Connection, repo: FhirRepository, alert_id: str, now_us: int) -> Step | None:
    c = table.c
    row = conn.execute(select(table).where(c.id == alert_id)).first()
    if row is None or row.status != "open" or (row.next_escalation_us or now_us + 1) > now_us:
        return None  # acknowledged, resolved or already stepped by another runner
    level = row.escalation_level
    refer = refers(row.rule, row.severity)
    delay = escalate_after(row.severity)
    nxt = now_us + delay if (level == 0 and refer and delay is not None) else None
    # Level 2 is the referral: an alert that does not refer stays with on-call, clock stopped.
    reached = level + 1 if level == 0 or (level == 1 and refer) else level
    claimed = conn.execute(
        update(table)
        .where(
            c.id == alert_id,
            c.status == "open",
            c.escalation_level == level,
            c.next_escalation_us == row.next_escalation_us,
        )
        .values(escalation_level=reached, next_escalation_us=nxt)
    )
    if claimed.rowcount != 1:
        return None
    evidence = orjson.loads(row.evidence)
    if level == 0:
        return _to_on_call(conn, repo, row, evidence, now_us)
    if level == 1 and refer:
        return _refer(conn, repo, row, evidence, now_us)
    return Step(alert_id, row.patient, level, "stop", None)


def _to_on_call(
    conn: Connection, repo: FhirRepository, row: Any, evidence: dict[str, Any], now_us: int
) -> Step:
    target = care_team.on_call(conn, repo, evidence.get("organization"), evidence.get("owner"))
    evidence["on_call"] = target
    minutes = (now_us - row.opened_us) // 60_000_000
    note = f"Sin respuesta en {minutes} min: escalada a guardia"
    fields: dict[str, Any] = {"owner": {"reference": target}} if target else {}
    alerts.retask(conn, repo, row.task_id, note=note, at=now_us, **fields)
    _save_evidence(conn, row.id, evidence)
    return Step(row.id, row.patient, 1, "on-call", target)


def _refer(
    conn: Connection, repo: FhirRepository, row: Any, evidence: dict[str, Any], now_us: int
) -> Step:
    hospital = care_team.hospital_for(evidence.get("organization"))
    requester = evidence.get("organization")
    note = f"{row.summary}. Sin respuesta del médico ni de la guardia."
    if hospital and requester:  # a catalog clinic: the care module's referral, with its clock
        referral = care.refer(
            conn,
            repo,
            patient=row.patient,
            from_org=requester,
            to_org=hospital,
            service=care.ALERT_SERVICE,
            urgency="stat" if row.severity == "emergency" else "asap",
            reason=note,
            now_us=now_us,
            reason_refs=[f"Flag/{row.flag_id}"],
            supporting=[f"Task/{row.task_id}"],
            source=f"monitoring-alert:{row.id}",
        )
        request_id = referral.id
    else:  # no facility to refer to by the network's rules: a bare request for a human to route
        request_id = _bare_request(conn, repo, row, requester, hospital, note, now_us)
    evidence["hospital"] = hospital
    conn.execute(update(table).where(table.c.id == row.id).values(service_request_id=request_id))
    alerts.retask(
        conn, repo, row.task_id, note=f"Referida a hospital: ServiceRequest/{request_id}", at=now_us
    )
    _save_evidence(conn, row.id, evidence)
    return Step(row.id, row.patient, 2, "referral", hospital)


def _bare_request(
    conn: Connection,
    repo: FhirRepository,
    row: Any,
    requester: str | None,
    hospital: str | None,
    note: str,
    now_us: int,
) -> str:
    request: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "priority": "stat" if row.severity == "emergency" else "asap",
        "code": {"coding": [REFERRAL], "text": "Referencia a hospital público"},
        "subject": {"reference": f"Patient/{row.patient}"},
        "authoredOn": alerts.iso(now_us),
        "reasonReference": [{"reference": f"Flag/{row.flag_id}"}],
        "supportingInfo": [{"reference": f"Task/{row.task_id}"}],
        "note": [{"text": note}],
    }
    if requester:
        request["requester"] = {"reference": requester}
    if hospital:
        request["performer"] = [{"reference": hospital}]
    return repo.create(conn, request).id


def _save_evidence(conn: Connection, alert_id: str, evidence: dict[str, Any]) -> None:
    body = orjson.dumps(evidence).decode()
    conn.execute(update(table).where(table.c.id == alert_id).values(evidence=body))


# -- no-data alarms --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StaleReport:
    opened: list[str]
    updated: list[str]
    resolved: list[str]


def check_stale_devices(db: Database, repo: FhirRepository, now_us: int) -> StaleReport:
    """Open or update the no-data alert of each patient with a silent device; resolve those
    whose devices all spoke again."""
    shortest = min(after for after, _ in STALE_AFTER.values())
    d = devices.c
    seen = func.coalesce(d.last_seen_us, d.bound_us, d.created_us)
    with db.begin() as conn:
        # The lock makes a second runner wait, then see the alerts this one opened.
        candidates = conn.execute(
            select(d.id, d.patient, d.kind, seen.label("seen"))
            .where(d.status == "active", d.patient.is_not(None), seen < now_us - shortest)
            .with_for_update()
        ).all()
        silent: dict[str, list[Any]] = {}
        for device in candidates:
            after, _ = STALE_AFTER.get(device.kind, (None, None))
            if after is not None and device.seen < now_us - after:
                silent.setdefault(device.patient, []).append(device)
        opened, updated = _open_no_data(conn, repo, silent, now_us)
        resolved = _clear_no_data(conn, repo, silent, now_us)
    return StaleReport(opened, updated, resolved)


def _open_no_data(
    conn: Connection, repo: FhirRepository, silent: dict[str, list[Any]], now_us: int
) -> tuple[list[str], list[str]]:
    episodes = alerts.live(conn, sorted(silent))
    opened, updated = [], []
    for patient, found in silent.items():
        severity = "warning"
        for device in found:
            severity = higher(severity, STALE_AFTER[device.kind][1])
        listed = [
            {
                "device": x.id,
                "kind": x.kind,
                "last_seen": alerts.iso(x.seen),
                "silent_minutes": (now_us - x.seen) // 60_000_000,
            }
            for x in sorted(found, key=lambda x: x.id)
        ]
        names = ", ".join(f"{x['kind']} {x['device']}" for x in listed)
        hours = max(x["silent_minutes"] for x in listed) / 60
        summary = f"Sin datos del dispositivo ({names}) desde hace {hours:.1f} h"
        verdict = Verdict("no-data", ABNORMAL, severity, summary, {"devices": listed})
        episode = episodes.get((patient, "no-data"))
        if episode is None:
            opened.append(alerts.open_episode(conn, repo, patient, verdict, now_us).id)
        else:
            alerts.absorb(episode, verdict)
            alerts.flush(conn, repo, episode)
            updated.append(episode.id)
    return opened, updated


def _clear_no_data(
    conn: Connection, repo: FhirRepository, silent: dict[str, list[Any]], now_us: int
) -> list[str]:
    c = table.c
    rows = conn.execute(
        select(c.patient).where(c.rule == "no-data", c.status != "resolved").limit(10_000)
    ).all()
    quiet = [r.patient for r in rows if r.patient not in silent]
    touched = []
    for episode in alerts.live(conn, quiet).values():
        if episode.rule == "no-data":
            alerts.close(conn, repo, episode, now_us)
            touched.append(episode.id)
    return touched


# -- background ------------------------------------------------------------------------------
def run_once(db: Database, repo: FhirRepository, now_us: int, notifier: Notifier | None) -> None:
    escalate_due(db, repo, now_us, notifier)
    check_stale_devices(db, repo, now_us)
    if notifier is not None:
        deliver_opened(db, notifier, now_us)


def start(
    db: Database,
    repo: FhirRepository,
    every_s: float,
    notifier: Notifier | None = None,
    clock: Clock = system_clock,
) -> Callable[[], None]:
    """Escalate and check devices every `every_s` seconds on a daemon thread; returns the stop
    function. Several processes may each run one: the steps are claimed row by row."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every_s):
            try:
                run_once(db, repo, epoch_us(clock()), notifier)
            except Exception:
                log.warning(
                    "alert escalation failed; next attempt in %.0f s", every_s, exc_info=True
                )

    thread = threading.Thread(target=run, name="enlace-alert-escalation", daemon=True)
    thread.start()

    def stop_escalation() -> None:
        stop.set()
        thread.join(timeout=30)

    return stop_escalation
