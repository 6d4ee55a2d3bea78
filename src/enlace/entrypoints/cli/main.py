"""`enlace` command line: serve, db upgrade, import, export."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from enlace.bootstrap import build
from enlace.entrypoints.cli.adherence_cli import adherence_app
from enlace.entrypoints.cli.analytics_cli import analytics_app
from enlace.entrypoints.cli.arco_cli import arco_app
from enlace.entrypoints.cli.audit_cli import audit_app
from enlace.entrypoints.cli.backup_cli import backup_app
from enlace.entrypoints.cli.care_cli import care_app
from enlace.entrypoints.cli.catalog_cli import catalog_app
from enlace.entrypoints.cli.claims_cli import claims_app
from enlace.entrypoints.cli.coldchain_cli import coldchain_app
from enlace.entrypoints.cli.coop_cli import coop_app
from enlace.entrypoints.cli.delivery_cli import delivery_app
from enlace.entrypoints.cli.devices_cli import devices_app
from enlace.entrypoints.cli.education_cli import education_app
from enlace.entrypoints.cli.finance_cli import finance_app
from enlace.entrypoints.cli.homecare_cli import homecare_app
from enlace.entrypoints.cli.ingest_cli import ingest_app, mosquitto_config_command
from enlace.entrypoints.cli.jobs_cli import jobs_app
from enlace.entrypoints.cli.keys_cli import keys_app
from enlace.entrypoints.cli.ledger_cli import ledger_app
from enlace.entrypoints.cli.messaging_cli import messaging_app
from enlace.entrypoints.cli.monitoring_cli import monitoring_app
from enlace.entrypoints.cli.ops_cli import config_app, metrics_dir, workers_app
from enlace.entrypoints.cli.pharmacy_cli import pharmacy_app
from enlace.entrypoints.cli.procurement_cli import procurement_app
from enlace.entrypoints.cli.relay_cli import relay_app
from enlace.entrypoints.cli.screening_cli import screening_app
from enlace.entrypoints.cli.security_cli import clients_app, token_app
from enlace.entrypoints.cli.sim_cli import sim_app
from enlace.entrypoints.cli.subscriptions_cli import registry_app, subscriptions_app
from enlace.entrypoints.cli.supply_cli import supply_app
from enlace.entrypoints.cli.trace_cli import trace_app
from enlace.entrypoints.cli.users_cli import users_app
from enlace.entrypoints.cli.vigilance_cli import vigilance_app
from enlace.entrypoints.cli.voting_cli import assembly_app, vote_app
from enlace.entrypoints.http.hardening import check_startup
from enlace.interactions import bulk_import, export_scan
from enlace.kernel import errors
from enlace.kernel.logging import configure_logging
from enlace.kernel.settings import Settings
from enlace.search import reindex
from enlace.search.query import parse_instant_us
from enlace.search.runtime import refresh_if_stale
from enlace.store import migrate
from enlace.store.database import open_database

app = typer.Typer(help="Enlace: open FHIR R4 platform for chronic care.", no_args_is_help=True)
db_app = typer.Typer(help="Database administration.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(adherence_app, name="adherence")
app.add_typer(analytics_app, name="analytics")
app.add_typer(arco_app, name="arco")
app.add_typer(audit_app, name="audit")
app.add_typer(backup_app, name="backup")
app.add_typer(care_app, name="care")
app.add_typer(catalog_app, name="catalog")
app.add_typer(claims_app, name="claims")
app.add_typer(coldchain_app, name="coldchain")
app.add_typer(coop_app, name="coop")
coop_app.add_typer(vote_app, name="vote")
coop_app.add_typer(assembly_app, name="assembly")
app.add_typer(education_app, name="education")
app.add_typer(homecare_app, name="homecare")
app.add_typer(delivery_app, name="delivery")
app.add_typer(devices_app, name="devices")
devices_app.command("mosquitto-config")(mosquitto_config_command)
app.add_typer(ingest_app, name="ingest")
app.add_typer(jobs_app, name="jobs")
app.add_typer(config_app, name="config")
app.add_typer(workers_app, name="workers")
app.add_typer(keys_app, name="keys")
app.add_typer(ledger_app, name="ledger")
app.add_typer(messaging_app, name="messaging")
app.add_typer(monitoring_app, name="monitoring")
app.add_typer(finance_app, name="finance")
app.add_typer(pharmacy_app, name="pharmacy")
app.add_typer(procurement_app, name="procurement")
app.add_typer(relay_app, name="relay")
app.add_typer(screening_app, name="screening")
app.add_typer(clients_app, name="clients")
app.add_typer(token_app, name="token")
app.add_typer(users_app, name="users")
app.add_typer(sim_app, name="sim")
app.add_typer(subscriptions_app, name="subscriptions")
app.add_typer(registry_app, name="registry")
app.add_typer(supply_app, name="supply")
app.add_typer(trace_app, name="trace")
app.add_typer(vigilance_app, name="vigilance")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    workers: int = typer.Option(1, help="Worker processes."),
    worker_healthcheck: int = typer.Option(
        30, min=1, help="Seconds a worker may take to answer the supervisor's ping."
    ),
) -> None:
    """Serve the FHIR API at /fhir (migrations run first)."""
    import uvicorn

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    # Refuse unsafe production settings before binding the port; each worker logs the warnings.
    check_startup(settings, warn=False)
    database = open_database(settings.resolved_database_url)
    migrate.upgrade(database)
    database.dispose()
    if workers > 1:  # each worker writes its samples where /metrics adds them up
        metrics_dir(settings.var_dir)
    tls = bool(settings.tls_cert_file and settings.tls_key_file)
    typer.echo(
        f"Enlace FHIR R4 API on {'https' if tls else 'http'}://{host}:{port}/fhir "
        f"({settings.resolved_database_url.split('://')[0]})"
    )
    uvicorn.run(
        "enlace.entrypoints.http.asgi:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # uvicorn's default of 5 s kills a worker whose ping thread waits behind a busy start-up
        # (definitions, numpy, reportlab) on a loaded 2-core machine, and restarts it forever.
        timeout_worker_healthcheck=worker_healthcheck,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_config=None,
        server_header=False,  # no `server: uvicorn` (ASVS V14.3.3: no component versions told)
        ssl_certfile=settings.tls_cert_file if tls else None,
        ssl_keyfile=settings.tls_key_file if tls else None,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending schema migrations."""
    database = open_database(Settings.from_env().resolved_database_url)
    revision = migrate.upgrade(database)
    typer.echo(f"database at revision {revision}")


@app.command("import")
def import_command(
    paths: list[Path] = typer.Argument(..., help="Bundle (.json) or NDJSON files, or folders."),
) -> None:
    """Load FHIR Bundles and NDJSON files; re-running the same files changes nothing."""
    services = build(Settings.from_env())
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=not sys.stderr.isatty()) as progress:
        task = progress.add_task("import", total=None)
        try:
            report = bulk_import.import_paths(services, paths, lambda n: progress.advance(task, n))
        except errors.FhirError as exc:
            progress.stop()
            for issue in exc.issues[:50]:
                typer.echo(
                    f"error: {issue.diagnostics}"
                    + (f" at {issue.expression}" if issue.expression else ""),
                    err=True,
                )
            raise typer.Exit(1) from exc
    c = report.counts
    typer.echo(
        f"{report.resources} resources from {report.files} files: "
        f"{c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged"
    )


@app.command("export")
def export_command(
    out: Path = typer.Argument(..., help="Folder for the NDJSON files."),
    types: str = typer.Option("", "--type", help="Comma-separated resource types."),
    since: str = typer.Option("", help="Only resources changed since this instant."),
) -> None:
    """Write the store as NDJSON, one file per resource type."""
    services = build(Settings.from_env())
    out.mkdir(parents=True, exist_ok=True)
    scope = export_scan.Scope(
        "system",
        [t for t in types.split(",") if t],
        parse_instant_us(since, "since") if since else None,
    )
    counts = export_scan.write_files(services.db, scope, out)
    for resource_type, count in sorted(counts.items()):
        typer.echo(f"{resource_type}.ndjson\t{count}")


@app.command("reindex")
def reindex_command(
    types: list[str] = typer.Option([], "--type", help="Resource type (repeatable); default all."),
    wait: bool = typer.Option(False, help="Run the job here and print progress until it ends."),
) -> None:
    """Rebuild the search index rows of some resource types (or all) with the current rules."""
    services = build(Settings.from_env())
    wanted = sorted({t for value in types for t in value.split(",") if t})
    for resource_type in wanted:
        if resource_type not in services.definitions.resource_types:
            typer.echo(f"error: unknown resource type '{resource_type}'", err=True)
            raise typer.Exit(2)
    job_id = reindex.queue(services.db, wanted, refresh_if_stale(services).fingerprint)
    typer.echo(f"reindex job {job_id} ({', '.join(wanted) or 'every type'})")
    if not wait:
        typer.echo("queued: a running `enlace serve` picks it up within 10 s (or when it starts)")
        return

    def show(job: reindex.Job) -> None:
        typer.echo(f"{job.status} {job.done}/{job.total}")

    outcome = reindex.run(services, job_id, progress=show)
    while outcome in ("busy", "lost"):  # a server took it: follow its progress
        time.sleep(1)
        job = reindex.get(services.db, job_id)
        outcome = "missing" if job is None else job.status
        if job is not None and outcome in reindex.ACTIVE:
            show(job)
            outcome = "busy"
    job = reindex.get(services.db, job_id)
    typer.echo(f"{outcome}" + (f": {job.error}" if job and job.error else ""))
    if outcome != "complete":
        raise typer.Exit(1)
