"""Capture of adverse events (docs/pharmacovigilance.md "Capture").

Two doors, one record: a patient tells in plain language what happened (`from_patient`: the words
are mapped to a MedDRA preferred term when a phrase we know is in them, and kept as text either
way), a clinician reports coded (`from_clinician`: MedDRA code and term given). Both write a FHIR
R4 AdverseEvent (suspect drug as a contained Medication) and a `vigilance_cases` row, in the
caller's transaction. A report without a suspect drug is refused (400, OperationOutcome naming
the field): without one there is nothing to assess or to signal; nothing is written then.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert

from enlace.kernel import errors
from enlace.kernel.clock import fhir_instant, from_epoch_us
from enlace.modules.vigilance import deadlines
from enlace.modules.vigilance.tables import cases
from enlace.store.repository import FhirRepository

MEDDRA = "http://terminology.hl7.org/CodeSystem/mdr"
SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
# Plain-language phrases (es-MX, then en) -> MedDRA preferred term (code, English term). A small
# starter list for the reactions our chronic-care drugs are known for; codes to be checked against
# the licensed MedDRA version in use (docs/pharmacovigilance.md).
PHRASES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("ronchas", "urticaria", "hives"), "10046735", "Urticaria"),
    (("salpullido", "sarpullido", "erupcion", "rash"), "10037844", "Rash"),
    (("comezon", "picazon", "itch"), "10037087", "Pruritus"),
    (("hinchazon de la cara", "labios hinchados", "angioedema"), "10002424", "Angioedema"),
    (("nausea", "ganas de vomitar"), "10028813", "Nausea"),
    (("vomito", "vomite", "vomiting"), "10047700", "Vomiting"),
    (("diarrea", "diarrhoea", "diarrhea"), "10012735", "Diarrhoea"),
    (("dolor de cabeza", "headache"), "10019211", "Headache"),
    (("mareo", "dizziness", "dizzy"), "10013573", "Dizziness"),
    (("tos seca", "tos", "cough"), "10011224", "Cough"),
    (("azucar baja", "hipoglucemia", "hypoglycaemia"), "10020993", "Hypoglycaemia"),
    (("dolor muscular", "dolor de musculos", "myalgia"), "10028411", "Myalgia"),
    (("pies hinchados", "tobillos hinchados", "edema"), "10030124", "Oedema peripheral"),
    (("cansancio", "fatiga", "fatigue"), "10016256", "Fatigue"),
    (("dolor de estomago", "dolor abdominal", "abdominal pain"), "10000081", "Abdominal pain"),
)


@dataclass(frozen=True, slots=True)
class SuspectDrug:
    code: str  # catalog slug, ATC code or the name as written
    display: str
    system: str | None = None


@dataclass(frozen=True, slots=True)
class Reaction:
    code: str | None  # MedDRA PT code, None when the words did not map
    display: str
    text: str


@dataclass(frozen=True, slots=True)
class Captured:
    case_id: str
    reaction: Reaction
    serious: bool
    unexpected: bool
    due_us: int
    rule: str


def fold(text: str) -> str:
    """Lower case without accents, for matching what people write ("Náusea" = "nausea")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def map_plain_language(text: str) -> Reaction:
    """The first known phrase found in the words (longest phrases listed first per term)."""
    folded = f" {' '.join(re.findall(r'[a-z0-9]+', fold(text)))} "
    for phrases, code, term in PHRASES:
        # whole words only: "tos" is a cough, "gastos" is not
        if any(f" {phrase} " in folded for phrase in phrases):
            return Reaction(code, term, text.strip())
    return Reaction(None, text.strip(), text.strip())


def adverse_event_checks(resource: dict[str, Any]) -> list[errors.Issue]:
    """The check the FHIR API runs on every AdverseEvent written (registered by bootstrap in
    `Services.resource_checks`): one that happened (`actuality` actual) must name a suspect
    drug in `suspectEntity.instance`."""
    if resource.get("actuality") != "actual":
        return []
    named = [
        entity
        for entity in resource.get("suspectEntity") or ()
        if isinstance(entity, dict)
        and isinstance(entity.get("instance"), dict)
        and (entity["instance"].get("reference") or entity["instance"].get("display"))
    ]
    if named:
        return []
    return [
        errors.Issue(
            "required",
            "An adverse event needs a suspect drug (suspectEntity.instance)",
            "AdverseEvent.suspectEntity",
        )
    ]


def require_drug(drug: SuspectDrug | None, where: str) -> SuspectDrug:
    if drug is None or not drug.code.strip() or not drug.display.strip():
        raise errors.bad_request(
            "An adverse event needs a suspect drug (the medicine you think caused the reaction)",
            where,
            code="required",
        )
    return drug


def from_patient(
    conn: Connection,
    repo: FhirRepository,
    patient: str,
    drug: SuspectDrug | None,
    words: str,
    onset: date | None,
    serious: bool,
    now_us: int,
) -> Captured:
    """A patient's report in their own words; it counts as unexpected (deadlines.py)."""
    suspect = require_drug(drug, "AdverseEvent.suspectEntity")
    if not words.strip():
        raise errors.bad_request("Tell us what happened", "AdverseEvent.event", code="required")
    reaction = map_plain_language(words)
    return _record(
        conn,
        repo,
        patient,
        ("patient", f"Patient/{patient}"),
        suspect,
        reaction,
        onset,
        serious,
        True,
        now_us,
    )


def from_clinician(
    conn: Connection,
    repo: FhirRepository,
    patient: str,
    practitioner: str,
    drug: SuspectDrug | None,
    meddra: tuple[str, str] | None,
    onset: date | None,
    serious: bool,
    unexpected: bool,
    now_us: int,
) -> Captured:
    """A clinician's coded report: MedDRA (code, term) required."""
    suspect = require_drug(drug, "AdverseEvent.suspectEntity")
    if meddra is None or not meddra[0].strip().isdigit():
        raise errors.bad_request(
            "A clinician's report needs the reaction as a MedDRA code (digits) and term",
            "AdverseEvent.event.coding",
            code="required",
        )
    current = repo.current(conn, "Patient", patient)
    if current is None or current.deleted:
        raise errors.bad_request(f"No patient '{patient}'", "AdverseEvent.subject")
    reaction = Reaction(meddra[0].strip(), meddra[1].strip() or meddra[0], meddra[1])
    reporter = ("clinician", f"Practitioner/{practitioner}")
    return _record(
        conn, repo, patient, reporter, suspect, reaction, onset, serious, unexpected, now_us
    )


def _record(
    conn: Connection,
    repo: FhirRepository,
    patient: str,
    reporter: tuple[str, str],
    drug: SuspectDrug,
    reaction: Reaction,
    onset: date | None,
    serious: bool,
    unexpected: bool,
    now_us: int,
) -> Captured:
    resource = adverse_event(patient, reporter[1], drug, reaction, onset, serious, now_us)
    stored = repo.create(conn, resource)
    rule = deadlines.rule_for(serious, unexpected)
    due = deadlines.due_us(now_us, rule)
    conn.execute(
        insert(cases).values(
            id=stored.id,
            patient=patient,
            reporter_kind=reporter[0],
            reporter=reporter[1],
            drug=drug.code.strip(),
            drug_display=drug.display.strip(),
            event=reaction.code or fold(reaction.text),
            event_display=reaction.display,
            event_coded=reaction.code is not None,
            serious=serious,
            unexpected=unexpected,
            onset=onset.isoformat() if onset else None,
            received_us=now_us,
            due_us=due,
            rule=rule.key,
        )
    )
    return Captured(stored.id, reaction, serious, unexpected, due, rule.key)


def adverse_event(
    patient: str,
    recorder: str,
    drug: SuspectDrug,
    reaction: Reaction,
    onset: date | None,
    serious: bool,
    now_us: int,
) -> dict[str, Any]:
    """The FHIR R4 AdverseEvent for one report (pure)."""
    event: dict[str, Any] = {"text": reaction.text or reaction.display}
    if reaction.code:
        event["coding"] = [{"system": MEDDRA, "code": reaction.code, "display": reaction.display}]
    medication: dict[str, Any] = {
        "resourceType": "Medication",
        "id": "suspect",
        "code": {"text": drug.display},
    }
    if drug.system:
        medication["code"]["coding"] = [
            {"system": drug.system, "code": drug.code, "display": drug.display}
        ]
    seriousness = "serious" if serious else "non-serious"
    resource: dict[str, Any] = {
        "resourceType": "AdverseEvent",
        "contained": [medication],
        "actuality": "actual",
        "event": event,
        "subject": {"reference": f"Patient/{patient}"},
        "recordedDate": fhir_instant(from_epoch_us(now_us)),
        "recorder": {"reference": recorder},
        "seriousness": {"coding": [{"system": SERIOUSNESS, "code": seriousness}]},
        "suspectEntity": [{"instance": {"reference": "#suspect", "display": drug.display}}],
    }
    if onset:
        resource["date"] = onset.isoformat()
    return resource
