"""Votes on SQLite and PostgreSQL: roll, one ballot each, closing, receipts, tamper evidence."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, update

from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.modules import coop, voting
from enlace.modules.trace import generate_signer
from enlace.modules.voting.tables import ballots, proposals, roll

KEY = b"test-seal-key"
ROLL = [("ana", "patient"), ("beto", "physician"), ("caro", "worker"), ("dani", "patient")]


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def fixed_roll(conn: Connection, when: datetime) -> list[tuple[str, str]]:
    return list(ROLL)


def opened(conn: Connection, kind: str = "proposal", **rules: object) -> None:
    options = None if kind == "proposal" else ["x", "y", "z"]
    voting.create_proposal(conn, "p1", "Nuevo horario", kind, options, **rules)
    assert voting.open_vote(conn, "p1", fixed_roll, at(1)) == 4


def status_of(call: object) -> int:
    with pytest.raises(FhirError) as caught:
        call()  # type: ignore[operator]
    return caught.value.status


def test_vote_counts_and_receipts_verify(services: Services) -> None:
    with services.db.begin() as conn:
        opened(conn, min_share=0.5)
        receipts = {m: voting.cast(conn, "p1", m, c) for m, c in
                    (("ana", "agree"), ("beto", "agree"), ("caro", "disagree"))}  # fmt: skip
        result = voting.close(conn, "p1", at(2), KEY)
        assert result["totals"] == {"agree": 2, "abstain": 0, "disagree": 1, "block": 0}
        assert (result["turnout"], result["roll"], result["quorum_needed"]) == (3, 4, 2)
        assert result["decision"] == "adopted"
        assert voting.verify(conn, "p1", KEY) == []
        assert voting.verify_receipt(conn, "p1", receipts["ana"], "agree")
        assert not voting.verify_receipt(conn, "p1", receipts["ana"], "disagree")
        public = voting.published(conn, "p1")
        assert len(public["commitments"]) == 3 and len(public["merkle_root"]) == 64


def test_twice_nonmember_and_after_close_are_refused_writing_nothing(services: Services) -> None:
    with services.db.begin() as conn:
        opened(conn)
        voting.cast(conn, "p1", "ana", "agree")
        assert status_of(lambda: voting.cast(conn, "p1", "ana", "disagree")) == 409
        assert status_of(lambda: voting.cast(conn, "p1", "zoe", "agree")) == 403
        assert status_of(lambda: voting.cast(conn, "p1", "beto", "maybe")) == 400
        voting.close(conn, "p1", at(2), KEY)
        assert status_of(lambda: voting.cast(conn, "p1", "beto", "agree")) == 409
        assert voting.published(conn, "p1")["result"]["ballots"] == 1
        assert voting.turnout(conn, "p1") == (1, 4)


def test_quorum_not_met_is_void(services: Services) -> None:
    with services.db.begin() as conn:
        opened(conn, quorum_share=0.75)
        voting.cast(conn, "p1", "ana", "agree")
        voting.cast(conn, "p1", "beto", "agree")
        result = voting.close(conn, "p1", at(2), KEY)
        assert (result["quorum_met"], result["quorum_needed"]) == (False, 3)
        assert result["decision"] == "void"


def test_class_weights_only_where_configured(services: Services) -> None:
    with services.db.begin() as conn:
        opened(conn, "single", class_weights={"worker": 3})
        for member, choice in (("ana", "x"), ("beto", "x"), ("caro", "y")):
            voting.cast(conn, "p1", member, choice)
        result = voting.close(conn, "p1", at(2), KEY)
        assert result["totals"] == {"x": 2, "y": 3, "z": 0}
        assert result["winner"] == "y"


def test_tampering_with_a_closed_tally_is_named(services: Services) -> None:
    with services.db.begin() as conn:
        opened(conn)
        for member in ("ana", "beto", "caro"):
            voting.cast(conn, "p1", member, "agree")
        voting.close(conn, "p1", at(2), KEY)
        one = conn.execute(ballots.select().limit(1)).mappings().one()
        conn.execute(update(ballots).where(ballots.c.commitment == one["commitment"])
                     .values(choice='"block"'))  # fmt: skip
        problems = voting.verify(conn, "p1", KEY)
        assert any(p.startswith("ballot box: Merkle root") for p in problems)
        assert any("recount" in p for p in problems)


def test_changing_the_stored_count_breaks_the_seal(services: Services) -> None:
    with services.db.begin() as conn:
        opened(conn)
        voting.cast(conn, "p1", "ana", "disagree")
        voting.close(conn, "p1", at(2), KEY)
        forged = voting.get(conn, "p1")["result"] | {"decision": "adopted"}
        conn.execute(update(proposals).values(result=voting.ballots.canonical(forged)))
        assert voting.verify(conn, "p1", KEY) == [
            "result: the stored count does not match its seal",
            "result: a recount of the box differs from the published result",
        ]


def test_a_stuffed_ballot_disagrees_with_the_roll(services: Services) -> None:
    with services.db.begin() as conn:
        opened(conn)
        voting.cast(conn, "p1", "ana", "agree")
        voting.close(conn, "p1", at(2), KEY)
        conn.execute(ballots.insert().values(proposal_id="p1", commitment="f" * 64,
                                             choice='"agree"', weight=1))  # fmt: skip
        conn.execute(update(roll).where(roll.c.member_id == "beto").values(voted=0))
        problems = voting.verify(conn, "p1", KEY)
        assert "roll: 1 marked as voted but 2 ballots in the box" in problems


def test_roll_comes_from_coop_at_opening(services: Services) -> None:
    with services.db.begin() as conn:
        for ident in ("ana", "beto"):
            coop.apply(conn, coop.Application(ident, ident, "patient", 800_000, 3), at(1))
        coop.admit(conn, "ana", at(2), "council")
        voting.create_proposal(conn, "p1", "Reglamento", "proposal")
        assert voting.open_vote(conn, "p1", voting.coop_roll, at(3)) == 1
        coop.admit(conn, "beto", at(4), "council")  # admitted after opening: not on this roll
        assert status_of(lambda: voting.cast(conn, "p1", "beto", "agree")) == 403
        voting.cast(conn, "p1", "ana", "agree")


def test_a_resealed_forgery_still_fails_the_public_key_signature(services: Services) -> None:
    """Whoever holds the deployment secret can recompute the HMAC seal, not the Ed25519
    signature: the signature check names the forgery (and the recount does too)."""
    signer = generate_signer("enlace.test")
    with services.db.begin() as conn:
        opened(conn)
        voting.cast(conn, "p1", "ana", "disagree")
        voting.close(conn, "p1", at(2), KEY, signer)
        assert voting.verify(conn, "p1", KEY, signer.verifier) == []
        found = voting.get(conn, "p1")
        forged = voting.ballots.canonical(found["result"] | {"decision": "adopted"})
        resealed = voting.ballots.seal(KEY, "p1", found["merkle_root"], forged)
        conn.execute(update(proposals).values(result=forged, seal=resealed))
        problems = voting.verify(conn, "p1", KEY, signer.verifier)
        assert problems[0] == "signature: the tally's Ed25519 signature does not verify"
        assert "result: the stored count does not match its seal" not in problems
        assert voting.published(conn, "p1")["signature"].startswith("— enlace.test ")
