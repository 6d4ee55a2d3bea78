"""Ballot secrecy tried through every table and read the module offers; proxies and their log."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, DateTime, select, text

from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.modules import voting
from enlace.modules.voting.tables import VOTING_TABLES, ballots, roll

KEY = b"test-seal-key"
MEMBERS = ["ana", "beto", "caro", "dani", "eli"]
CHOICES = {"ana": "x", "beto": "y", "caro": "z"}  # distinct, so a link would be visible


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def roll_source(conn: Connection, when: datetime) -> list[tuple[str, str]]:
    return [(m, "patient") for m in MEMBERS]


def setup_vote(conn: Connection, proxy_limit: int = 1) -> dict[str, str]:
    voting.create_proposal(conn, "p1", "Mesa", "single", ["x", "y", "z"], proxy_limit=proxy_limit)
    voting.open_vote(conn, "p1", roll_source, at(1))
    return {m: voting.cast(conn, "p1", m, c) for m, c in CHOICES.items()}


def test_no_table_or_read_links_a_ballot_to_a_voter(services: Services) -> None:
    with services.db.begin() as conn:
        receipts = setup_vote(conn)
        voting.close(conn, "p1", at(2), KEY)
        box_columns = set(ballots.c.keys())
        # the box holds no voter, no class, no time and no serial that could be matched
        assert box_columns == {"proposal_id", "commitment", "choice", "weight"}
        assert not any(isinstance(c.type, DateTime) for c in ballots.c)
        # weight is the one shared value: 1 for all unless bylaws weight classes (docs say so)
        assert set(roll.c.keys()) & box_columns == {"proposal_id", "weight"}
        assert {w for _, _, w in voting.closing.box_contents(conn, "p1")} == {1}
        for table in VOTING_TABLES:  # every table: no row holds both a member and a ballot
            for row in conn.execute(select(table)).mappings():
                values = {str(v) for v in row.values()}
                has_member = bool(values & set(MEMBERS))
                has_ballot = any(json.dumps(c) in values for c in CHOICES.values()) or any(
                    v in values for v in receipts.values()
                )
                assert not (has_member and has_ballot), (table.name, dict(row))
        for row in conn.execute(select(ballots)).mappings():  # the secret itself is never stored
            assert row["commitment"] not in receipts.values()
        public = json.dumps(voting.published(conn, "p1"), default=str)
        assert not any(m in public for m in MEMBERS)
        proposal = json.dumps(voting.get(conn, "p1"), default=str)
        assert not any(m in proposal for m in MEMBERS)
        # the box is read in commitment order (random), not casting order
        order = [c for c, _, _ in voting.closing.box_contents(conn, "p1")]
        assert order == sorted(order)
        if conn.dialect.name == "sqlite":  # no hidden insertion-order rowid either
            with pytest.raises(Exception, match="rowid"):
                conn.execute(text("SELECT rowid FROM voting_ballots"))


def refused(call: object) -> int:
    with pytest.raises(FhirError) as caught:
        call()  # type: ignore[operator]
    return caught.value.status


def test_proxies_limit_chains_and_audit(services: Services) -> None:
    with services.db.begin() as conn:
        voting.create_proposal(conn, "p1", "Mesa", "single", ["x", "y"], proxy_limit=1)
        voting.open_vote(conn, "p1", roll_source, at(1))
        voting.proxies.grant(conn, "p1", "ana", "beto", "ana", at(1, 13))
        assert (
            refused(lambda: voting.proxies.grant(conn, "p1", "caro", "beto", "caro", at(1))) == 409
        )
        assert (
            refused(lambda: voting.proxies.grant(conn, "p1", "beto", "dani", "beto", at(1))) == 409
        )
        assert (
            refused(lambda: voting.proxies.grant(conn, "p1", "dani", "zoe", "dani", at(1))) == 403
        )
        assert (
            refused(lambda: voting.proxies.grant(conn, "p1", "dani", "dani", "dani", at(1))) == 400
        )
        assert (
            refused(lambda: voting.proxies.cast_for(conn, "p1", "caro", "ana", "x", at(1))) == 403
        )
        receipt = voting.proxies.cast_for(conn, "p1", "beto", "ana", "x", at(1, 14))
        voting.cast(conn, "p1", "beto", "y")
        assert refused(lambda: voting.cast(conn, "p1", "ana", "y")) == 409  # ana's vote is used
        voting.proxies.grant(conn, "p1", "caro", "dani", "caro", at(1, 15))
        voting.proxies.revoke(conn, "p1", "caro", "caro", at(1, 16))
        voting.cast(conn, "p1", "caro", "y")
        log = [(e["action"], e["grantor"], e["proxy"], e["actor"], e["at"].hour)
               for e in voting.proxies.audit_log(conn, "p1")]  # fmt: skip
        assert log == [
            ("granted", "ana", "beto", "ana", 13),
            ("voted", "ana", "beto", "beto", 14),
            ("granted", "caro", "dani", "caro", 15),
            ("revoked", "caro", "dani", "caro", 16),
        ]
        result = voting.close(conn, "p1", at(2), KEY)
        assert result["totals"] == {"x": 1, "y": 2}
        assert voting.verify_receipt(conn, "p1", receipt, "x")


def test_limit_of_two_allows_two(services: Services) -> None:
    with services.db.begin() as conn:
        voting.create_proposal(conn, "p1", "Mesa", "single", ["x", "y"], proxy_limit=2)
        voting.open_vote(conn, "p1", roll_source, at(1))
        voting.proxies.grant(conn, "p1", "ana", "eli", "ana", at(1))
        voting.proxies.grant(conn, "p1", "beto", "eli", "beto", at(1))
        assert (
            refused(lambda: voting.proxies.grant(conn, "p1", "caro", "eli", "caro", at(1))) == 409
        )
        assert voting.proxies.held_by(conn, "p1", "eli") == ["ana", "beto"]


def test_closing_erases_the_transaction_link_on_postgres(services: Services) -> None:
    """Each ballot in its own transaction, as in production: before closing, a ballot row and
    its voter's roll row share a transaction id (xmin); after closing they no longer do."""
    if services.db.dialect != "postgresql":
        pytest.skip("xmin and ctid are PostgreSQL system columns")
    with services.db.begin() as conn:
        voting.create_proposal(conn, "p1", "Mesa", "single", ["x", "y", "z"])
        voting.open_vote(conn, "p1", roll_source, at(1))
    for member, choice in CHOICES.items():
        with services.db.begin() as conn:
            voting.cast(conn, "p1", member, choice)

    def xmins(conn: Connection, table: str) -> set[str]:
        return set(conn.execute(text(f"SELECT xmin::text FROM {table}")).scalars())

    with services.db.begin() as conn:
        voted = conn.execute(text("SELECT xmin::text FROM voting_roll WHERE voted = 1")).scalars()
        assert set(voted) == xmins(conn, "voting_ballots")  # the link closing must remove
    with services.db.begin() as conn:
        voting.close(conn, "p1", at(2), KEY)
    with services.db.begin() as conn:
        box, rolled = xmins(conn, "voting_ballots"), xmins(conn, "voting_roll")
        assert len(box) == 1 and box == rolled  # all rewritten by the one closing transaction
        by_place = conn.execute(
            text("SELECT commitment FROM voting_ballots ORDER BY ctid")
        ).scalars()
        physical = list(by_place)
        assert physical == sorted(physical)
        assert voting.verify(conn, "p1", KEY) == []
