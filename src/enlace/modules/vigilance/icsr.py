"""Individual case safety reports: an ICH E2B(R3)-shaped XML per case, and a COFEPRIS-style
line listing (CSV) of many cases.

The XML follows the E2B(R3) message's HL7 v3 frame (MCCI_IN200100UV01 batch wrapping one
PORR_IN049016UV message, investigationEvent) and carries the four elements without which a case
is not valid (ICH E2B(R3), REFERENCE §9): an identifiable patient (D.1 initials, D.5 sex, D.2.1
birth date), a reporter (C.2.r qualification), a reaction (E.i.2.1 MedDRA code and term,
E.i.3.1 seriousness) and a suspect drug (G.k.1 characterisation = 1 suspect, G.k.2.2 name). It is
"shaped" like E2B(R3), not validated against the ICH schema (not shipped here): it is built with
ElementTree, so it is always well-formed, and `to_xml` parses its own output back to prove it.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import Connection, select

from enlace.kernel import errors
from enlace.kernel.clock import from_epoch_us
from enlace.modules.vigilance.tables import cases
from enlace.store.repository import FhirRepository

HL7 = "urn:hl7-org:v3"
MEDDRA_OID = "2.16.840.1.113883.6.163"
ICH_OID = "2.16.840.1.113883.3.989.2.1.1"  # ICH E2B(R3) code system root
# C.2.r.4 qualification: 1 physician, 5 consumer or other non health professional.
QUALIFICATION = {"clinician": "1", "patient": "5"}
SEX = {"male": "1", "female": "2"}  # D.5 (ISO 5218)
LINE_COLUMNS = (
    "caso",
    "fecha_recepcion",
    "iniciales",
    "sexo",
    "fecha_nacimiento",
    "medicamento_sospechoso",
    "reaccion_meddra",
    "reaccion",
    "grave",
    "inesperada",
    "notificador",
    "fecha_limite",
    "enviado",
)


@dataclass(frozen=True, slots=True)
class Patient:
    initials: str
    sex: str | None
    birth_date: str | None


def patient_of(conn: Connection, repo: FhirRepository, patient_id: str) -> Patient:
    """Initials, sex and birth date from the Patient resource (unknowns stay unknown)."""
    try:
        resource = repo.read(conn, "Patient", patient_id).resource()
    except errors.FhirError:
        return Patient("UNK", None, None)
    return Patient(_initials(resource), resource.get("gender"), resource.get("birthDate"))


def _initials(resource: dict[str, Any]) -> str:
    for name in resource.get("name") or ():
        parts = [*name.get("given", []), *str(name.get("family", "")).split()]
        letters = "".join(p[0].upper() for p in parts if p)
        if letters:
            return letters
    return "UNK"


def case_row(conn: Connection, case_id: str) -> Any:
    row = conn.execute(select(cases).where(cases.c.id == case_id)).first()
    if row is None:
        raise errors.not_found(f"No adverse event case '{case_id}'")
    return row


def _day(us: int) -> str:
    return from_epoch_us(us).astimezone(UTC).strftime("%Y%m%d")


def _sub(parent: ET.Element, tag: str, **attrs: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{HL7}}}{tag}", attrs)


def icsr_xml(conn: Connection, repo: FhirRepository, case_id: str, sender: str) -> bytes:
    """The ICH E2B(R3)-shaped XML of one case (UTF-8 bytes, well-formed)."""
    row = case_row(conn, case_id)
    patient = patient_of(conn, repo, row.patient)
    ET.register_namespace("", HL7)
    batch = ET.Element(f"{{{HL7}}}MCCI_IN200100UV01", {"ITSVersion": "XML_1.0"})
    _sub(batch, "id", extension=f"batch-{case_id}", root=f"{ICH_OID}.22")
    message = _sub(batch, "PORR_IN049016UV")
    _sub(message, "id", extension=case_id, root=f"{ICH_OID}.1")  # C.1.1 sender's case id
    _sub(message, "creationTime", value=_day(row.received_us))  # C.1.2
    _sub(_sub(_sub(message, "sender"), "device"), "id", extension=sender)
    event = _sub(_sub(_sub(message, "controlActProcess"), "subject"), "investigationEvent")
    _sub(event, "id", extension=case_id, root=f"{ICH_OID}.1")
    _sub(event, "code", code="PAT_ADV_EVNT", codeSystem="2.16.840.1.113883.5.4")
    _sub(event, "availabilityTime", value=_day(row.received_us))  # C.1.4 first received
    _add_reporter(event, row)
    _add_patient_and_reaction(event, row, patient)
    return _well_formed(ET.tostring(batch, encoding="utf-8", xml_declaration=True))


def _add_reporter(event: ET.Element, row: Any) -> None:
    author = _sub(_sub(event, "outboundRelationship"), "relatedInvestigation")
    role = _sub(_sub(_sub(author, "subjectOf2"), "controlActEvent"), "author")
    entity = _sub(role, "assignedEntity")
    _sub(entity, "id", extension=row.reporter)
    _sub(
        entity, "code", code=QUALIFICATION.get(row.reporter_kind, "5"), codeSystem=f"{ICH_OID}.6"
    )  # C.2.r.4


def _add_patient_and_reaction(event: ET.Element, row: Any, patient: Patient) -> None:
    role = _sub(_sub(_sub(event, "component"), "adverseEventAssessment"), "subject1")
    primary = _sub(role, "primaryRole")
    player = _sub(primary, "player1")
    _sub(player, "name").text = patient.initials  # D.1
    if patient.sex in SEX:
        _sub(
            player, "administrativeGenderCode", code=SEX[patient.sex], codeSystem="1.0.5218"
        )  # D.5
    if patient.birth_date:
        _sub(player, "birthTime", value=patient.birth_date.replace("-", ""))  # D.2.1
    reaction = _sub(_sub(primary, "subjectOf2"), "observation")
    _sub(reaction, "id", root=f"reaction-{row.id}")
    _sub(reaction, "code", code="29", codeSystem=f"{ICH_OID}.19")  # reaction/event
    value = _sub(
        reaction,
        "value",
        code=row.event if row.event_coded else "",
        codeSystem=MEDDRA_OID,
        displayName=row.event_display,
    )  # E.i.2.1
    if not row.event_coded:
        _sub(value, "originalText").text = row.event_display  # E.i.1.1 as reported
    if row.onset:
        _sub(_sub(reaction, "effectiveTime"), "low", value=row.onset.replace("-", ""))
    serious = _sub(_sub(reaction, "outboundRelationship2"), "observation")  # E.i.3.2
    _sub(serious, "code", code="26", codeSystem=f"{ICH_OID}.32")
    _sub(serious, "value", value="true" if row.serious else "false")
    drug = _sub(_sub(primary, "subjectOf2"), "organizer")
    administration = _sub(_sub(drug, "component"), "substanceAdministration")
    product = _sub(_sub(_sub(administration, "consumable"), "instanceOfKind"), "kindOfProduct")
    _sub(product, "code", code=row.drug)
    _sub(product, "name").text = row.drug_display  # G.k.2.2
    role_code = _sub(_sub(administration, "outboundRelationship2"), "observation")
    _sub(role_code, "value", code="1", codeSystem=f"{ICH_OID}.13")  # G.k.1 suspect


def _well_formed(document: bytes) -> bytes:
    ET.fromstring(document)  # raises ParseError if ever not well-formed
    return document


def line_listing(conn: Connection, repo: FhirRepository, case_ids: Iterable[str] | None) -> str:
    """COFEPRIS-style line listing: one case per line, Spanish column names, CSV."""
    query = select(cases).order_by(cases.c.received_us, cases.c.id)
    if case_ids is not None:
        query = query.where(cases.c.id.in_(list(case_ids)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LINE_COLUMNS)
    for row in conn.execute(query):
        patient = patient_of(conn, repo, row.patient)
        writer.writerow(
            (
                row.id,
                _iso(row.received_us),
                patient.initials,
                patient.sex or "",
                patient.birth_date or "",
                row.drug_display,
                row.event if row.event_coded else "",
                row.event_display,
                "si" if row.serious else "no",
                "si" if row.unexpected else "no",
                "profesional" if row.reporter_kind == "clinician" else "paciente",
                _iso(row.due_us),
                _iso(row.submitted_us) if row.submitted_us else "",
            )
        )
    return out.getvalue()


def _iso(us: int) -> str:
    return from_epoch_us(us).astimezone(UTC).date().isoformat()


def mark_submitted(conn: Connection, case_id: str, now_us: int) -> None:
    """Record that the case's ICSR was sent (it leaves the overdue list)."""
    case_row(conn, case_id)
    conn.execute(cases.update().where(cases.c.id == case_id).values(submitted_us=now_us))
