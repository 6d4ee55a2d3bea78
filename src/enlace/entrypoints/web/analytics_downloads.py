"""What a dashboard page offers to take away: its table as CSV or Parquet (the rows the page
shows, suppression applied for the role) and the printable monthly report of a clinic or a
state (analytics_pdf)."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from typing import Any

import duckdb
from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules.analytics import indicators
from enlace.security.users import User

from . import analytics_views as views
from . import i18n, render
from .shell import Shell

KINDS = ("csv", "parquet")
TYPES = {"numerator": "DOUBLE", "denominator": "DOUBLE", "value": "DOUBLE",
         "previous_value": "DOUBLE", "change": "DOUBLE"}  # fmt: skip
MEDIA = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet",
         "pdf": "application/pdf"}  # fmt: skip


def body(view: views.Dashboard, kind: str, lang: str) -> bytes:
    """The page's rows as `kind`, made once per cached page and language."""
    key = (kind, lang)
    if key not in view.downloads:
        rows = views.download_rows(view, lang)
        view.downloads[key] = to_csv(rows) if kind == "csv" else to_parquet(rows)
    return view.downloads[key]


def attachment(content: bytes, kind: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}.{kind}"'}
    return Response(content, media_type=MEDIA[kind], headers=headers)


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=views.COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    return out.getvalue().encode("utf-8")


def to_parquet(rows: list[dict[str, Any]]) -> bytes:
    """Typed columns (counts and values DOUBLE, null when suppressed or not computable)."""
    columns = ", ".join(f'"{c}" {TYPES.get(c, "VARCHAR")}' for c in views.COLUMNS)
    con = duckdb.connect(":memory:")
    handle, path = tempfile.mkstemp(suffix=".parquet")
    os.close(handle)
    try:
        con.execute(f"CREATE TABLE t ({columns})")
        if rows:
            marks = ", ".join("?" for _ in views.COLUMNS)
            con.executemany(f"INSERT INTO t VALUES ({marks})",
                            [[row[c] for c in views.COLUMNS] for row in rows])  # fmt: skip
        con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
        with open(path, "rb") as file:
            return file.read()
    finally:
        con.close()
        os.unlink(path)


async def report(shell: Shell, request: Request, user: User) -> Response:
    """`?clinic=` (its own clinic for a physician or nurse) or `?state=`, `&period=` a month."""
    clinic, state = request.query_params.get("clinic"), request.query_params.get("state")
    if bool(clinic) == bool(state):
        raise errors.bad_request("name either clinic or state", "clinic")
    unit = str(clinic or state)
    if not views.ID.fullmatch(unit):
        raise errors.bad_request("clinic or state is not an id", "clinic" if clinic else "state")
    if user.role in ("physician", "nurse") and (state or clinic != user.organization):
        raise errors.error(403, "forbidden", "only your own clinic's report", "clinic")
    chosen = request.query_params.get("period")
    if not chosen:
        latest = await run_in_threadpool(indicators.latest_activity, shell.services)
        chosen = views.default_period(shell.today(), latest)
    period = indicators.parse_period(chosen)
    level = "clinic" if clinic else "state"
    lang = "en" if render.language(request) == "en" else "es"
    t = i18n.translator(render.language(request))
    body = await run_in_threadpool(
        _report_pdf, shell.services, level, unit, period, user.role == "administrator", lang, t
    )
    headers = {"Content-Disposition": f'inline; filename="{level}-{unit}-{period.label}.pdf"'}
    return Response(body, media_type=MEDIA["pdf"], headers=headers)


def _report_pdf(
    services: Services, level: str, unit: str, period: Any, identities: bool, lang: str, t: Any
) -> bytes:
    from . import analytics_pdf  # reportlab costs ~100 ms to import: paid by the first PDF

    with indicators.views_connection(services) as con:
        compared = [c for c in indicators.compare(con, None, period, level, None, identities)
                    if c.unit == unit]  # fmt: skip
    if not compared:
        raise errors.not_found(f"no {level} {unit} in the indicators")
    return analytics_pdf.render(compared, level, unit, period.label, lang, t)
