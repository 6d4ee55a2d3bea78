"""The demo assembly (sim/coop_assembly, `enlace coop demo-assembly`) on both stores: members
vote on the accounts and elect the council's president by instant runoff, some through proxies;
the tallies and the minutes verify, the receipt printed is in the box, the surplus is shared with
a statement per member, and a second run changes nothing. Each test books its own year (the
ledger's tables are not emptied between PostgreSQL tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.modules import coop, trace, voting
from enlace.modules.coop.seed import seed
from enlace.modules.finance import Ledger
from enlace.sim import coop_assembly


def key(services: Services) -> bytes:
    return voting.ballots.seal_key(services.settings.secret_key)


def signer(services: Services) -> trace.Signer:
    return trace.log_publisher(services.settings).signer


def seeded(services: Services, now: datetime) -> None:
    with services.db.begin() as conn:
        seed(conn, Ledger(), now, extra=14, joined=datetime(now.year - 1, 1, 15, tzinfo=UTC))


def run(services: Services, now: datetime) -> coop_assembly.Outcome:
    with services.db.begin() as conn:
        return coop_assembly.run(conn, now, key(services), signer(services))


def test_the_assembly_votes_elects_verifies_and_distributes(services: Services) -> None:
    now = datetime(2034, 3, 2, 17, tzinfo=UTC)
    seeded(services, now)
    out = run(services, now)
    assert out.first_run and out.minutes_verified
    assert out.problems == {out.accounts: [], out.council: []}
    accounts, council = out.results[out.accounts], out.results[out.council]
    assert accounts["quorum_met"] and accounts["decision"] == "adopted"
    assert accounts["turnout"] == sum(accounts["totals"].values()) and accounts["roll"] == 20
    assert council["decision"] == "elected" and council["winner"] in council["rounds"][-1]
    last = council["rounds"][-1]
    assert last[council["winner"]] * 2 > sum(last.values())  # a majority of live ballots
    assert out.receipt is not None and out.receipt.member == coop_assembly.RECEIPT_LOGIN
    d = out.distribution
    assert d is not None and d["year"] == 2033
    assert d["reserve"] + d["education"] + d["to_members"] == d["surplus"] > 0
    with services.db.begin() as conn:
        r = out.receipt
        assert voting.verify_receipt(conn, r.proposal, r.secret, r.choice)
        assert not voting.verify_receipt(conn, r.proposal, r.secret, "block")
        shares = [coop.statement(conn, m.id) for m in coop.list_members(conn, "active")]
        assert sum(a for rows in shares for _, _, a in rows) == d["to_members"]
        assert coop.statement(conn, "socio-paciente")[0][0] == 2033
        attending = voting.assemblies.attendees(conn, out.assembly)
        assert len(attending) == accounts["turnout"]
        assert sum(1 for _, proxy in attending if proxy) == coop_assembly.PROXIES
        cast_by_proxy = [e for e in voting.proxies.audit_log(conn, out.council)
                         if e["action"] == "voted"]  # fmt: skip
        assert len(cast_by_proxy) == coop_assembly.PROXIES
        minutes = voting.assemblies.get(conn, out.assembly)["minutes"]
        assert "con quorum" in minutes and out.accounts in minutes
        assert voting.get(conn, out.open_vote)["state"] == "open"


def test_a_second_run_only_reports(services: Services) -> None:
    now = datetime(2036, 5, 3, 10, tzinfo=UTC)
    seeded(services, now)
    first = run(services, now)
    again = run(services, now)
    assert not again.first_run and again.receipt is None
    assert again.results == first.results and again.distribution == first.distribution
    with services.db.begin() as conn:
        assert len(coop.runs(conn)) == 1
        assert voting.turnout(conn, first.accounts)[0] == first.results[first.accounts]["turnout"]


def test_without_members_it_refuses_and_writes_nothing(services: Services) -> None:
    with pytest.raises(FhirError) as caught:
        run(services, datetime(2038, 1, 10, tzinfo=UTC))
    assert caught.value.status == 409 and caught.value.issues[0].expression == "members"
    with services.db.begin() as conn:
        assert voting.list_proposals(conn) == [] and coop.runs(conn) == []


def test_the_command_prints_tallies_verification_and_a_receipt(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if services.db.dialect == "postgresql":  # it books this year's last year, as test_surplus
        pytest.skip("the command's year is the real last year; its books are checked on SQLite")
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path))
    refused = CliRunner().invoke(app, ["coop", "demo-assembly"])
    assert refused.exit_code == 2 and refused.output.count("error: members:") == 1
    assert CliRunner().invoke(app, ["coop", "seed", "--extra", "6"]).exit_code == 0
    done = CliRunner().invoke(app, ["coop", "demo-assembly"])
    assert done.exit_code == 0, done.output
    assert done.output.count("verify: ok") == 2 and "minutes signature verified" in done.output
    assert "round 1:" in done.output and "to members" in done.output
    assert "receipt of socio-paciente on cuentas-" in done.output
    again = CliRunner().invoke(app, ["coop", "demo-assembly"])
    assert again.exit_code == 0 and "already held" in again.output and "receipt" not in again.output
