"""The adherence daily job (docs/adherence.md "Daily job and pages"): `run_daily(services, as_of)`,
behind `enlace adherence run [--as-of DATE]` and callable by a scheduler.

Steps, each timed in the report:
1. read   the record up to `as_of` in batches (sources.gather): dispenses, HbA1c/BP, hospital
          stays, deaths, exclusions, patients, payers; the dispenses through the reader;
2. measure therapies.assemble + measures.measure_all over the trailing MEASUREMENT_DAYS;
3. score  the abandonment model on every active therapy (scoring.py; skipped, and said so, when
          no model has been trained);
4. store  adherence_therapies (latest measures) and adherence_scores for the day, replacing a
          previous run of the same day: a rerun leaves the same rows;
5. publish the measures as FHIR (an Observation per therapy, a MeasureReport per rollup) for
          the calendar month of `as_of`, on the month's last day or when asked (`publish=True`):
          one version per therapy per month, not one a day;
6. act    the day's interventions for the scored therapies (acting.py; idempotent per therapy
          and day; skipped with act=False), then, once committed, messaging delivers them;
7. effect the interventions' uplift, treated vs control (effect.py), kept in the run's summary.
Steps 4-6 run in one transaction: a failed run leaves the previous day's results as they
were; the run's row (adherence_runs) is written last, so a day without one did not finish.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

import orjson

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.kernel.settings import Settings
from enlace.modules.adherence import acting, effect, job_rows, publishing, scoring, sources
from enlace.modules.adherence.measures import TherapyMeasures, measure_all
from enlace.modules.adherence.reader import ReadReport, parse_dispense_lines
from enlace.modules.adherence.therapies import Therapy, assemble
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

MEASUREMENT_DAYS = 365  # PDC over the trailing year (PQA measures a calendar year)
PROBLEMS_KEPT = 20  # bad dispenses named in the run's summary (all are counted)


class Services(Protocol):
    """What the job needs of the composition root's services (interactions.context.Services)."""

    settings: Settings
    db: Database
    repo: FhirRepository


# A progress callback: (step, done, total); total 0 when unknown.
Progress = Callable[[str, int, int], None]


@dataclass
class RunReport:
    as_of: date
    dispenses: int = 0
    fills: int = 0
    problems: int = 0
    problem_lines: list[str] = field(default_factory=list)
    skipped: int = 0
    therapies: int = 0
    measured: int = 0
    scored: int = 0
    model: str | None = None
    interventions: int = 0
    messages: int = 0
    published: int = 0
    uplift: dict[str, Any] | None = None  # effect.measure_uplift
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "fills": self.fills,
            "problems": self.problems,
            "problem_lines": self.problem_lines,
            "skipped": self.skipped,
            "measured": self.measured,
            "published": self.published,
            "messages": self.messages,
            "uplift": self.uplift,
            "seconds": self.seconds,
        }


def run_daily(
    services: Services,
    as_of: date,
    *,
    progress: Progress | None = None,
    publish: bool | None = None,
    act: bool = True,
) -> RunReport:
    """Measure, score, store and act for `as_of` (not after today: the future has no fills).
    `act=False` measures and scores only: a backfill of past days should not send messages or
    open Tasks dated then."""
    today = services.repo.clock().date()
    if as_of > today:
        raise errors.bad_request(f"as-of {as_of.isoformat()} is after today", "as-of")
    tell = progress or (lambda step, done, total: None)
    report = RunReport(as_of)
    started = time.perf_counter()
    started_us = _now_us(services)
    with _timed(report, "read"):
        tell("read", 0, 0)
        with services.db.read() as conn:
            record = sources.gather(conn, services.repo, as_of)
        read = parse_dispense_lines(record.dispenses, as_of)
        points = scoring.clinical_points(record.observations)
        _count_read(report, record, read)
    with _timed(report, "measure"):
        tell("measure", 0, 0)
        groups, measured = measure(record, read, as_of)
        report.therapies, report.measured = len(groups), len(measured)
        with services.db.read() as conn:
            record.prescriptions = sources.prescription_keys(conn, _prescriptions(groups))
    with _timed(report, "score"):
        tell("score", 0, len(measured))
        model = scoring.load_default(services.settings)
        kept = [fill for therapy in groups.values() for fill in therapy.fills]
        found = scoring.score(model, kept, points, record, as_of)
        report.scored, report.model = len(found), scoring.version(model)
    rows = job_rows.therapy_rows(
        measured, groups, record.patients, record.payers, record.prescriptions, as_of
    )
    with _timed(report, "store"), services.db.begin() as conn:
        tell("store", 0, len(rows))
        job_rows.replace_therapies(conn, rows)
        job_rows.replace_scores(conn, found, as_of, report.model or "")
        if publish or (publish is None and (as_of + timedelta(days=1)).day == 1):
            report.published = publishing.publish(conn, services.repo, measured, rows, as_of)
        if act:
            tell("act", 0, len(found))
            names = {pid: facts.name or pid for pid, facts in record.patients.items()}
            report.interventions = acting.act(
                conn, services.repo, found, rows, names, as_of, _now_us(services)
            )
    if act:
        with _timed(report, "deliver"):
            report.messages = acting.deliver(
                services.db, services.repo, _now_us(services), services.settings.var_dir
            )
    with _timed(report, "effect"), services.db.read() as conn:
        report.uplift = effect.measure_uplift(conn, groups, as_of)
    report.seconds["total"] = round(time.perf_counter() - started, 3)
    with services.db.begin() as conn:
        job_rows.replace_run(conn, _run_row(report, started_us, _now_us(services)))
    return report


def measure(
    record: sources.Record, read: ReadReport, as_of: date
) -> tuple[dict[tuple[str, str], Therapy], list[TherapyMeasures]]:
    """The therapies (by patient and key) and their measures as of the day."""
    deaths = {
        pid: facts.deceased_on or as_of for pid, facts in record.patients.items() if facts.deceased
    }
    grouped = assemble(read.fills, as_of=as_of, interruptions=record.interruptions, deaths=deaths)
    groups = {(t.patient, t.therapy): t for t in grouped if t.fills}
    measured = measure_all(
        groups.values(),
        as_of=as_of,
        period_start=as_of - timedelta(days=MEASUREMENT_DAYS - 1),
        excluded=record.excluded,
    )
    return groups, measured


def _count_read(report: RunReport, record: sources.Record, read: ReadReport) -> None:
    report.dispenses = len(record.dispenses)
    report.fills = len(read.fills)
    report.problems = len(read.problems)
    report.skipped = len(read.skipped)
    report.problem_lines = [
        f"dispense {number}: {problem}" for number, problem in read.problems[:PROBLEMS_KEPT]
    ]


def _prescriptions(groups: dict[tuple[str, str], Therapy]) -> set[str]:
    return {
        fill.prescription.removeprefix("MedicationRequest/")
        for therapy in groups.values()
        for fill in therapy.fills[-1:]
        if fill.prescription and fill.prescription.startswith("MedicationRequest/")
    }


def _run_row(report: RunReport, started_us: int, finished_us: int) -> dict[str, Any]:
    return {
        "as_of": report.as_of.isoformat(),
        "started_us": started_us,
        "finished_us": finished_us,
        "dispenses": report.dispenses,
        "therapies": report.therapies,
        "scored": report.scored,
        "interventions": report.interventions,
        "model": report.model,
        "summary": orjson.dumps(report.summary()).decode(),
    }


class _timed:
    def __init__(self, report: RunReport, step: str) -> None:
        self.report, self.step = report, step

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.report.seconds[self.step] = round(time.perf_counter() - self.start, 3)


def _now_us(services: Services) -> int:
    return epoch_us(services.repo.clock())
