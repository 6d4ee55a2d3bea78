"""Assemblies on SQLite and PostgreSQL: notice, attendance, quorum, signed minutes; bylaws."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, update

from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.modules import voting
from enlace.modules.trace import generate_signer
from enlace.modules.voting.tables import assemblies

MEMBERS = ["ana", "beto", "caro", "dani"]


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def roll_source(conn: Connection, when: datetime) -> list[tuple[str, str]]:
    return [(m, "patient") for m in MEMBERS]


def refused(call: object) -> FhirError:
    with pytest.raises(FhirError) as caught:
        call()  # type: ignore[operator]
    return caught.value


def convene(conn: Connection, day: int = 20) -> None:
    voting.create_proposal(conn, "p1", "Aprobar estados financieros", "proposal")
    voting.assemblies.convene(
        conn, "a1", "ordinary", "Asamblea 2026", "Oaxaca", at(1), at(day),
        [("Informe del consejo", None), ("Estados financieros", "p1")],
    )  # fmt: skip


def test_notice_period_and_agenda_are_checked(services: Services) -> None:
    def call(day: int, items: list[tuple[str, str | None]]) -> None:
        voting.assemblies.convene(conn, "a1", "ordinary", "x", "y", at(1), at(day), items)

    with services.db.begin() as conn:
        short = refused(lambda: call(7, [("Informe", None)]))  # 6 days after convocation
        assert short.status == 400 and short.issues[0].expression == "held_at"
        bad = refused(lambda: call(20, [("Informe", None), ("Votación", "nope")]))
        assert bad.issues[0].expression == "agenda[2].proposal"
        assert refused(lambda: call(20, [])).issues[0].expression == "agenda"
        call(8, [("Informe", None)])  # exactly 7 days: accepted
        assert voting.assemblies.get(conn, "a1")["state"] == "convened"


def test_minutes_record_attendance_votes_and_verify(services: Services) -> None:
    signer = generate_signer("enlace.test")
    with services.db.begin() as conn:
        convene(conn)
        voting.open_vote(conn, "p1", roll_source, at(20, 10))
        voting.assemblies.attend(conn, "a1", "ana", roll_source, at(20, 9))
        voting.assemblies.attend(conn, "a1", "beto", roll_source, at(20, 9), represented_by="caro")
        assert (
            refused(lambda: voting.assemblies.attend(conn, "a1", "ana", roll_source, at(20))).status
            == 409
        )
        assert (
            refused(lambda: voting.assemblies.attend(conn, "a1", "zoe", roll_source, at(20))).status
            == 403
        )
        voting.cast(conn, "p1", "ana", "agree")
        voting.cast(conn, "p1", "beto", "agree")
        voting.close(conn, "p1", at(20, 11), b"k")
        text = voting.assemblies.close(conn, "a1", roll_source, signer)
        assert "Asistencia: 2 de 4 socios (quorum requerido 2): con quorum." in text
        assert "Votacion p1: adopted; participacion 2 de 4" in text
        assert voting.assemblies.verify_minutes(conn, "a1", signer.verifier)
        other = generate_signer("enlace.other")
        assert not voting.assemblies.verify_minutes(conn, "a1", other.verifier)
        conn.execute(update(assemblies).values(minutes=text.replace("adopted", "rejected")))
        assert not voting.assemblies.verify_minutes(conn, "a1", signer.verifier)


def test_assembly_without_quorum_says_so(services: Services) -> None:
    with services.db.begin() as conn:
        convene(conn)
        voting.assemblies.attend(conn, "a1", "ana", roll_source, at(20, 9))
        text = voting.assemblies.close(conn, "a1", roll_source, generate_signer("enlace.test"))
        assert "SIN QUORUM" in text and "no son validos" in text
        assert "Votacion p1: no cerrada." in text


def test_bylaws_keep_their_history(services: Services) -> None:
    with services.db.begin() as conn:
        assert voting.bylaws.amend(conn, "12", "Quorum: mitad mas uno.", at(1), "founding") == 1
        voting.bylaws.amend(conn, "3", "Objeto social.", at(1), "founding")
        assert voting.bylaws.amend(conn, "12", "Quorum: dos tercios.", at(20), "p1") == 2
        assert voting.bylaws.current(conn) == {"12": "Quorum: dos tercios.", "3": "Objeto social."}
        assert [(v, by) for v, _, _, by in voting.bylaws.history(conn, "12")] == [
            (1, "founding"),
            (2, "p1"),
        ]
        assert refused(lambda: voting.bylaws.amend(conn, "12", " ", at(21), "p2")).status == 400
