"""The answer to an ARCO access request: a complete copy of the person's record, with a note.

One FHIR R4 `collection` Bundle in a file under `<var dir>/arco/`: first a `Basic` resource whose
narrative (in Spanish: the patient reads it) says which data the network holds, how much, and
why; then every current resource of the Patient compartment (the Patient itself, and no other
Patient that merely links to it) and the resources those point at outside the compartment
(practitioners, organizations, medications: what the record mentions). Resources blocked by a
cancellation are not in it; the note says how many there are and why they are kept.

Memory stays bounded: the record is read in pages and its entries streamed to a side file; the
Bundle is then the header, the note and those entries copied behind it.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection

from enlace.kernel.clock import fhir_instant, from_epoch_us
from enlace.kernel.settings import Settings
from enlace.search import compartment
from enlace.search.includes import Found, everything_readable, fetch

from . import blocking
from .arco_execute import own
from .roles import CLINICAL

_PAGE = 500
NOTE_SYSTEM = "https://enlace.health/fhir/CodeSystem/arco"
_PAYMENT = frozenset(
    {
        "Coverage",
        "CoverageEligibilityRequest",
        "CoverageEligibilityResponse",
        "Claim",
        "ClaimResponse",
        "ExplanationOfBenefit",
        "Account",
        "Invoice",
        "PaymentNotice",
    }
)
_WHY_CLINICAL = (
    "Atención médica: su expediente clínico, para que quienes le atienden conozcan su "
    "historia. Es un dato personal sensible; la NOM-004-SSA3-2012 obliga a conservarlo al "
    "menos 5 años."
)
_WHY: dict[str, str] = {
    "Patient": "Identificarle y contactarle para su atención.",
    "Consent": "Sus decisiones de privacidad, para respetarlas en cada acceso a su expediente.",
    "AuditEvent": "Seguridad: quién consultó o modificó su expediente.",
}
_WHY_PAYMENT = "Pago: su cobertura y el cobro de medicamentos y servicios a quien los paga."
_WHY_OTHER = "Operación de la red de atención: citas, surtido de medicamentos y seguimiento."
_WHY_REFERENCED = (
    "Datos de referencia que su expediente menciona (profesionales, establecimientos, "
    "medicamentos); no son datos personales suyos."
)


def export_path(settings: Settings, request_id: str) -> Path:
    return settings.var_dir / "arco" / f"{request_id}.json"


def write_export(
    conn: Connection,
    settings: Settings,
    request_id: str,
    patient_id: str,
    now_us: int,
    base_url: str = "",
) -> dict[str, Any]:
    """Write the copy of the record; returns where it is and what it holds."""
    path = export_path(settings, request_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = path.with_suffix(".entries")
    counts: dict[str, int] = {}
    referenced: dict[str, int] = {}
    with entries.open("wb") as out:
        for found, in_record in _record(conn, patient_id):
            tally = counts if in_record else referenced
            tally[found.resource_type] = tally.get(found.resource_type, 0) + 1
            out.write(b"," + _entry(found, base_url))
    blocked = blocking.blocked_reasons(conn, patient_id)
    note = access_note(request_id, patient_id, now_us, counts, referenced, blocked)
    partial = path.with_suffix(".part")
    with partial.open("wb") as out, entries.open("rb") as body:
        header = {
            "resourceType": "Bundle",
            "id": request_id,
            "type": "collection",
            "timestamp": fhir_instant(from_epoch_us(now_us)),
        }
        out.write(orjson.dumps(header)[:-1] + b',"entry":[')
        out.write(orjson.dumps({"resource": note}))
        shutil.copyfileobj(body, out)
        out.write(b"]}")
    partial.replace(path)  # a reader never sees half a file
    entries.unlink()
    return {
        "file": path.name,
        "resources": sum(counts.values()),
        "referenced": sum(referenced.values()),
        "types": counts,
        "blocked": sum(blocked.values()),
    }


def _record(conn: Connection, patient_id: str) -> Iterator[tuple[Found, bool]]:
    """The record's resources (True) and, page by page, what they reference outside the
    compartment (False, each once); blocked resources are left out."""
    seen: set[tuple[str, str]] = set()
    cursor: str | None = None
    while True:
        page = compartment.everything(conn, patient_id, None, None, _PAGE, cursor)
        members = [f for f in page.members if own(patient_id, f.resource_type, f.id)]
        hidden = blocking.blocked_keys(conn, [(f.resource_type, f.id) for f in members])
        members = [f for f in members if (f.resource_type, f.id) not in hidden]
        yield from ((found, True) for found in members)
        wanted = compartment.references_outside(conn, members) - seen
        seen |= wanted
        yield from ((found, False) for found in fetch(conn, wanted, everything_readable))
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _entry(found: Found, base_url: str) -> bytes:
    entry: dict[str, Any] = {"resource": orjson.Fragment(found.content)}
    if base_url:
        entry = {"fullUrl": f"{base_url}/{found.resource_type}/{found.id}", **entry}
    return orjson.dumps(entry)


def access_note(
    request_id: str,
    patient_id: str,
    now_us: int,
    counts: dict[str, int],
    referenced: dict[str, int],
    blocked: dict[str, int],
) -> dict[str, Any]:
    """What is held and why, as a Basic resource with a Spanish narrative."""
    rows = "".join(_row(t, n, why(t)) for t, n in sorted(counts.items()))
    rows += "".join(_row(t, n, _WHY_REFERENCED) for t, n in sorted(referenced.items()))
    when = fhir_instant(from_epoch_us(now_us))
    parts = [
        f"<p>Copia de todos los datos personales que la red conserva sobre usted (solicitud de "
        f"acceso {html.escape(request_id)}, {when[:10]}). Los datos de salud son datos "
        "personales sensibles (LFPDPPP).</p>",
        "<table><thead><tr><th>Datos</th><th>Registros</th><th>Para qué se usan</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>",
    ]
    for reason, count in sorted(blocked.items()):
        what = "1 registro está bloqueado" if count == 1 else f"{count} registros están bloqueados"
        parts.append(
            f"<p>{what} por una cancelación: no se usa ni se muestra y no está en esta copia. "
            f"Se conserva solo por esta obligación legal: {html.escape(reason)}.</p>"
        )
    parts.append(
        "<p>Además, la red usa sus datos sin identificarle para estadísticas de salud pública, "
        "y registra cada acceso a su expediente en una bitácora que usted puede consultar.</p>"
    )
    div = '<div xmlns="http://www.w3.org/1999/xhtml">' + "".join(parts) + "</div>"
    return {
        "resourceType": "Basic",
        "id": f"arco-{request_id}"[:64],
        "text": {"status": "generated", "div": div},
        "code": {
            "coding": [
                {
                    "system": NOTE_SYSTEM,
                    "code": "access-note",
                    "display": "Datos personales en posesión de la red y sus finalidades",
                }
            ]
        },
        "subject": {"reference": f"Patient/{patient_id}"},
        "created": when[:10],
    }


def why(resource_type: str) -> str:
    if resource_type in _WHY:
        return _WHY[resource_type]
    if resource_type in _PAYMENT:
        return _WHY_PAYMENT
    if resource_type in CLINICAL:
        return _WHY_CLINICAL
    return _WHY_OTHER


def _row(resource_type: str, count: int, purpose: str) -> str:
    return f"<tr><td>{resource_type}</td><td>{count}</td><td>{html.escape(purpose)}</td></tr>"
