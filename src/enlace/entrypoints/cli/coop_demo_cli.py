"""`enlace coop demo-assembly`: the demo network's ordinary general assembly (sim/coop_assembly).

Prints each tally (decision, totals or runoff rounds, turnout against quorum), whether it
verifies, whether the minutes' signature verifies, the surplus distributed, and on the first run
the demo patient's receipt (so it can be checked at /votes/<id>). Safe to run again. Exits 1 if a
tally or the minutes fail to verify, 2 (one `error:` line) if the cooperative is not seeded.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer

from enlace.bootstrap import build
from enlace.entrypoints.cli.bad_input import echo_issues
from enlace.kernel import errors
from enlace.kernel.settings import Settings
from enlace.modules import trace, voting
from enlace.sim import coop_assembly


def demo_assembly_command(
    seed: int = typer.Option(42, "--seed", help="Seed of the members' ballots."),
) -> None:
    """Run the demo assembly: accounts vote, council election (ranked), minutes, surplus."""
    services = build(Settings.from_env())
    key = voting.ballots.seal_key(services.settings.secret_key)
    signer = trace.log_publisher(services.settings).signer
    try:
        with services.db.begin() as conn:
            out = coop_assembly.run(conn, datetime.now(UTC), key, signer, seed)
    except errors.FhirError as exc:
        echo_issues(exc)
        raise typer.Exit(2) from exc
    finally:
        services.db.dispose()
    _print(out)
    if any(out.problems.values()) or not out.minutes_verified:
        raise typer.Exit(1)


def _print(out: coop_assembly.Outcome) -> None:
    state = "held now" if out.first_run else "already held"
    typer.echo(f"assembly {out.assembly}: {state}; minutes signature "
               f"{'verified' if out.minutes_verified else 'FAILED'}")  # fmt: skip
    for pid, result in out.results.items():
        typer.echo(f"vote {pid}: {result['decision']} (turnout {result['turnout']} of "
                   f"{result['roll']}, quorum {result['quorum_needed']})")  # fmt: skip
        if "rounds" in result:
            for n, counts in enumerate(result["rounds"], start=1):
                typer.echo(f"  round {n}: {json.dumps(counts, ensure_ascii=False)}")
        else:
            typer.echo(f"  totals: {json.dumps(result['totals'], ensure_ascii=False)}")
        problems = out.problems[pid]
        typer.echo(f"  verify: {'ok' if not problems else 'FAILED: ' + '; '.join(problems)}")
    if out.distribution:
        d = out.distribution
        typer.echo(f"surplus {d['year']}: {d['surplus']} centavos; reserve {d['reserve']}, "
                   f"education {d['education']}, to members {d['to_members']}")  # fmt: skip
    else:
        typer.echo(f"surplus {out.year}: not distributed (the accounts were not adopted)")
    if out.receipt:
        r = out.receipt
        typer.echo(f"receipt of {r.member} on {r.proposal}: {r.secret} choice "
                   f"{json.dumps(r.choice, ensure_ascii=False)}")  # fmt: skip
    typer.echo(f"open for the demo logins: /votes/{out.open_vote}")
