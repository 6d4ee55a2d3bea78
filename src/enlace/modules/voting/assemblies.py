"""General assemblies: convocation with notice, agenda, attendance, votes taken, signed minutes.

The default notice is 7 calendar days — the convocation ahead of a general assembly as the Ley
General de Sociedades Cooperativas is understood here; UNVERIFIED (the article once cited, 37,
could not be checked against the law's text: docs/governance.md, "The law"); bylaws may ask for
more. An
assembly is quorate when the members present or represented reach its quorum share of the roll
at the date held. Minutes are plain text generated from the record, signed with the project's
log signing key (the trace module's Ed25519 signed-note line), so a changed minute is caught.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select, update

from enlace.kernel import errors
from enlace.modules.trace import Signer, Verifier
from enlace.modules.voting import quorum, service
from enlace.modules.voting.tables import agenda, assemblies, attendance

KINDS = ("ordinary", "extraordinary")
DEFAULT_NOTICE_DAYS = 7


def convene(
    conn: Connection, assembly_id: str, kind: str, title: str, place: str,
    convened_at: datetime, held_at: datetime, items: list[tuple[str, str | None]],
    *, quorum_share: float = 0.5, notice_days: int = DEFAULT_NOTICE_DAYS,
) -> None:  # fmt: skip
    """Items are (text, proposal id voted under it or None)."""
    if kind not in KINDS:
        raise errors.bad_request(f"assembly kind is one of {', '.join(KINDS)}", "kind")
    if held_at - convened_at < timedelta(days=notice_days):
        raise errors.bad_request(
            f"the convocation needs {notice_days} days' notice before the assembly", "held_at"
        )
    if not items:
        raise errors.bad_request("an assembly needs an agenda", "agenda")
    for position, (_, proposal_id) in enumerate(items, start=1):
        if proposal_id:
            try:
                service.get(conn, proposal_id)
            except errors.FhirError:
                raise errors.bad_request(
                    f"no proposal {proposal_id}", f"agenda[{position}].proposal"
                ) from None
    if conn.execute(select(assemblies.c.id).where(assemblies.c.id == assembly_id)).first():
        raise errors.conflict(f"assembly {assembly_id} already exists")
    conn.execute(assemblies.insert().values(
        id=assembly_id, kind=kind, title=title, place=place, convened_at=convened_at,
        held_at=held_at, quorum=quorum_share, state="convened"))  # fmt: skip
    conn.execute(agenda.insert(), [
        {"assembly_id": assembly_id, "position": n, "item": text, "proposal_id": pid}
        for n, (text, pid) in enumerate(items, start=1)])  # fmt: skip


def get(conn: Connection, assembly_id: str) -> dict[str, Any]:
    row = conn.execute(select(assemblies).where(assemblies.c.id == assembly_id)).mappings().first()
    if row is None:
        raise errors.not_found(f"no assembly {assembly_id}")
    return dict(row)


def attend(
    conn: Connection, assembly_id: str, member_id: str, source: service.RollSource,
    at: datetime, represented_by: str | None = None,
) -> None:  # fmt: skip
    found = get(conn, assembly_id)
    if found["state"] != "convened":
        raise errors.conflict(f"assembly {assembly_id} is {found['state']}")
    members = {m for m, _ in source(conn, found["held_at"])}
    for who in (member_id, represented_by):
        if who and who not in members:
            raise errors.error(403, "forbidden", f"{who} is not a member at the assembly date")
    key = (attendance.c.assembly_id == assembly_id) & (attendance.c.member_id == member_id)
    if conn.execute(select(attendance.c.member_id).where(key)).first():
        raise errors.conflict(f"{member_id} is already recorded as attending")
    conn.execute(attendance.insert().values(
        assembly_id=assembly_id, member_id=member_id, represented_by=represented_by, at=at))  # fmt: skip


def list_assemblies(conn: Connection) -> list[dict[str, Any]]:
    """Every assembly, newest first (id, kind, title, place, dates, state): no minutes text."""
    query = select(assemblies.c.id, assemblies.c.kind, assemblies.c.title, assemblies.c.place,
                   assemblies.c.convened_at, assemblies.c.held_at, assemblies.c.quorum,
                   assemblies.c.state)  # fmt: skip
    rows = conn.execute(query.order_by(assemblies.c.held_at.desc(), assemblies.c.id))
    return [dict(r) for r in rows.mappings()]


def agenda_items(conn: Connection, assembly_id: str) -> list[tuple[int, str, str | None]]:
    """(position, text, proposal id or None) in order."""
    query = select(agenda).where(agenda.c.assembly_id == assembly_id).order_by(agenda.c.position)
    return [(r.position, r.item, r.proposal_id) for r in conn.execute(query)]


def attendees(conn: Connection, assembly_id: str) -> list[tuple[str, str | None]]:
    """(member id, represented by or None): attendance is public by design, ballots are not."""
    query = select(attendance.c.member_id, attendance.c.represented_by)
    query = query.where(attendance.c.assembly_id == assembly_id).order_by(attendance.c.member_id)
    return [(r.member_id, r.represented_by) for r in conn.execute(query)]


def present(conn: Connection, assembly_id: str) -> int:
    query = select(func.count()).where(attendance.c.assembly_id == assembly_id)
    return int(conn.execute(query).scalar_one())


def quorum_count(
    conn: Connection, assembly_id: str, source: service.RollSource
) -> tuple[int, int, int]:
    """(present or represented, roll at the date held, needed for quorum)."""
    found = get(conn, assembly_id)
    size = len(source(conn, found["held_at"]))
    return present(conn, assembly_id), size, quorum.needed(size, found["quorum"])


def close(conn: Connection, assembly_id: str, source: service.RollSource, signer: Signer) -> str:
    """Generate, sign and store the minutes; the assembly can no longer change."""
    found = get(conn, assembly_id)
    if found["state"] != "convened":
        raise errors.conflict(f"assembly {assembly_id} is already closed")
    text = minutes_text(conn, found, len(source(conn, found["held_at"])))
    signature = signer.signature_line(text)
    conn.execute(update(assemblies).where(assemblies.c.id == assembly_id).values(
        state="closed", minutes=text, signature=signature))  # fmt: skip
    return text


def minutes_text(conn: Connection, found: dict[str, Any], roll_size: int) -> str:
    count = present(conn, found["id"])
    met = quorum.quorum_met(count, roll_size, found["quorum"])
    lines = [
        f"Acta de asamblea general {'ordinaria' if found['kind'] == 'ordinary' else 'extraordinaria'}",
        f"{found['title']} ({found['id']})",
        f"Lugar: {found['place']}. Celebrada: {found['held_at']:%Y-%m-%d %H:%M} UTC.",
        f"Convocada: {found['convened_at']:%Y-%m-%d}.",
        f"Asistencia: {count} de {roll_size} socios (quorum requerido "
        f"{quorum.needed(roll_size, found['quorum'])}): {'con quorum' if met else 'SIN QUORUM'}.",
        "Orden del dia:",
    ]
    items = conn.execute(select(agenda).where(agenda.c.assembly_id == found["id"])
                         .order_by(agenda.c.position)).mappings()  # fmt: skip
    for item in items:
        lines.append(f"{item['position']}. {item['item']}")
        if item["proposal_id"]:
            lines.append(f"   {_vote_line(conn, item['proposal_id'])}")
    if not met:
        lines.append("Sin quorum: los acuerdos de esta asamblea no son validos.")
    return "\n".join(line.replace("\t", " ") for line in lines) + "\n"


def _vote_line(conn: Connection, proposal_id: str) -> str:
    proposal = service.get(conn, proposal_id)
    result = proposal["result"]
    if result is None:
        return f"Votacion {proposal_id}: no cerrada."
    return (
        f"Votacion {proposal_id}: {result['decision']}; participacion {result['turnout']} de "
        f"{result['roll']}; raiz Merkle {proposal['merkle_root']}."
    )


def verify_minutes(conn: Connection, assembly_id: str, verifier: Verifier) -> bool:
    found = get(conn, assembly_id)
    if not found["minutes"] or not found["signature"]:
        return False
    encoded = found["signature"].rstrip("\n").rpartition(" ")[2]
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return False
    return raw[:4] == verifier.key_id and verifier.verifies(found["minutes"].encode(), raw[4:])
