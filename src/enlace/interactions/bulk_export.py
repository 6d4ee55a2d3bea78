"""Bulk Data $export, asynchronous: kick-off → 202 + Content-Location → poll → NDJSON files.

Spec: https://hl7.org/fhir/uv/bulkdata/export.html (system, Patient and Group level; `_type`,
`_since`, `_outputFormat`), plus `_deidentify=safe-harbor` and `_k` (docs/security.md). Job state
lives in the database so any worker process can answer a poll; the files are written by the process
that accepted the job, streamed in keyset-paged batches so memory stays bounded whatever the store's
size.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
from sqlalchemy import select, update

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us, fhir_instant, system_clock
from enlace.search.query import parse_instant_us
from enlace.security.deidentify_export import (
    OUTCOME_FILE,
    DeidentifiedExport,
    export_secret,
    requested_k,
)
from enlace.store.schema import export_jobs

from . import export_scan
from .context import Services
from .messages import FhirRequest, FhirResponse

log = logging.getLogger(__name__)
_FORMATS = {"application/fhir+ndjson", "application/ndjson", "ndjson"}
_KNOWN = {"_type", "_since", "_outputFormat", "_format", "_pretty", "_deidentify", "_k"}


def kick_off(
    services: Services, request: FhirRequest, level: str, group_id: str | None = None
) -> FhirResponse:
    scope = _scope(services, request, level, group_id)
    job_id = str(uuid.uuid4())
    now = system_clock()
    query = f"?{urlencode(request.params)}" if request.params else ""
    with services.db.begin() as conn:
        conn.execute(
            export_jobs.insert().values(
                id=job_id,
                status="accepted",
                request_url=f"{request.base_url}/{request.path}{query}",
                created_us=epoch_us(now),
                transaction_time=fhir_instant(now),
            )
        )
    services.background.submit(_run, services, job_id, scope, request.base_url)
    status_url = f"{request.base_url}/$export-poll-status/{job_id}"
    return FhirResponse(202, None, {"Content-Location": status_url})


def _scope(
    services: Services, request: FhirRequest, level: str, group_id: str | None
) -> export_scan.Scope:
    """What the kick-off asks for, or a 4xx naming the parameter that cannot be honoured."""
    if "respond-async" not in request.headers.get("prefer", ""):
        raise errors.bad_request("$export is asynchronous: send 'Prefer: respond-async'")
    unknown = [name for name, _ in request.params if name not in _KNOWN]
    if unknown:
        raise errors.bad_request(f"Unsupported $export parameter '{unknown[0]}'", unknown[0])
    output_format = request.param("_outputFormat")
    if output_format and output_format not in _FORMATS:
        raise errors.bad_request(
            f"_outputFormat '{output_format}' is not supported; use application/fhir+ndjson",
            "_outputFormat",
        )
    types = [t for t in (request.param("_type") or "").split(",") if t]
    for resource_type in types:
        services.require_type(resource_type)
    since = request.param("_since")
    if level == "group":
        with services.db.read() as conn:
            services.repo.read(conn, "Group", group_id or "")
    since_us = parse_instant_us(since, "_since") if since else None
    return export_scan.Scope(level, types, since_us, group_id, deidentification_k(request))


def deidentification_k(request: FhirRequest) -> int | None:
    """The k of a de-identified export (`_deidentify=safe-harbor`, `_k`, default 11), None for an
    identified one; a 400 naming the parameter for a bad value."""
    return requested_k(request.param("_deidentify"), request.param("_k"))


def poll_or_cancel(services: Services, request: FhirRequest, job_id: str) -> FhirResponse:
    with services.db.read() as conn:
        job = conn.execute(select(export_jobs).where(export_jobs.c.id == job_id)).mappings().first()
    if job is None:
        raise errors.not_found(f"No export job '{job_id}'")
    if request.method == "DELETE":
        _set(services, job_id, status="cancelled")
        shutil.rmtree(_job_dir(services, job_id), ignore_errors=True)
        return FhirResponse(202, None)
    if request.method != "GET":
        raise errors.error(405, "not-supported", "Poll with GET or cancel with DELETE")
    status = job["status"]
    if status in ("accepted", "running"):
        return FhirResponse(
            202, None, {"X-Progress": job["progress"] or status, "Retry-After": "1"}
        )
    if status == "complete":
        return FhirResponse(200, bytes(job["manifest"]), {}, "application/json")
    if status == "cancelled":
        raise errors.not_found(f"Export job '{job_id}' was cancelled")
    raise errors.error(500, "exception", f"Export job '{job_id}' failed: {job['error']}")


def file(services: Services, job_id: str, name: str) -> FhirResponse:
    root = services.settings.export_dir.resolve()
    path = (_job_dir(services, job_id) / name).resolve()
    # Resolved inside the job's own folder of the export directory, whatever the id or name
    # hold (`..` as a job id reached the folder above it: found by fuzzing).
    inside = path.parent.parent == root and path.parent.name == job_id
    if not name.endswith(".ndjson") or not inside or not path.is_file():
        raise errors.not_found(f"No export file '{name}' in job '{job_id}'")
    response = FhirResponse(200, None, {}, "application/fhir+ndjson")
    response.headers["X-File-Path"] = str(path)
    return response


def _run(services: Services, job_id: str, scope: export_scan.Scope, base_url: str) -> None:
    directory = _job_dir(services, job_id)
    try:
        _set(services, job_id, status="running")
        directory.mkdir(parents=True, exist_ok=True)
        deidentified = _deidentified_export(services, scope)
        transform = deidentified.transform if deidentified else None
        counts = export_scan.write_files(services.db, scope, directory, transform)
        with services.db.read() as conn:
            job = (
                conn.execute(select(export_jobs).where(export_jobs.c.id == job_id)).mappings().one()
            )
        if job["status"] == "cancelled":
            return
        manifest = {
            "transactionTime": job["transaction_time"],
            "request": job["request_url"],
            "requiresAccessToken": False,
            "output": [
                {"type": t, "url": f"{base_url}/$export-file/{job_id}/{t}.ndjson", "count": n}
                for t, n in sorted(counts.items())
            ],
            "error": [],
        }
        if deidentified is not None:
            files_url = f"{base_url}/$export-file/{job_id}"
            _report_deidentification(manifest, deidentified, directory, files_url)
        _set(services, job_id, status="complete", manifest=orjson.dumps(manifest), progress="100%")
    except Exception as exc:  # a failed job is reported to its poller, never lost silently
        if _status(services, job_id) == "cancelled":
            return  # its files were removed under the writer on purpose
        log.exception("export job failed", extra={"fields": {"job": job_id}})
        _set(services, job_id, status="failed", error=str(exc))


def _deidentified_export(services: Services, scope: export_scan.Scope) -> DeidentifiedExport | None:
    """For `_deidentify`: the scope's patients tallied for k-anonymity before any file is written."""
    if scope.deidentify_k is None:
        return None
    secret = export_secret(services.settings.secret_key)
    export = DeidentifiedExport(secret, scope.deidentify_k, as_of=system_clock().date())
    export.admit_patients(export_scan.scope_patients(services.db, scope))
    return export


def _report_deidentification(
    manifest: dict[str, Any], export: DeidentifiedExport, directory: Path, files_url: str
) -> None:
    """The manifest's extension (what was done, with counts) and, when patients were generalized
    or withheld, an OperationOutcome in `error` saying how many and why."""
    manifest["extension"] = export.manifest_extension()
    outcome = export.outcome()
    if outcome is not None:
        (directory / OUTCOME_FILE).write_bytes(orjson.dumps(outcome) + b"\n")
        manifest["error"].append({"type": "OperationOutcome", "url": f"{files_url}/{OUTCOME_FILE}"})


def _status(services: Services, job_id: str) -> str | None:
    with services.db.read() as conn:
        row = conn.execute(select(export_jobs.c.status).where(export_jobs.c.id == job_id)).first()
    return str(row[0]) if row else None


def _set(services: Services, job_id: str, **values: Any) -> None:
    with services.db.begin() as conn:
        conn.execute(update(export_jobs).where(export_jobs.c.id == job_id).values(**values))


def _job_dir(services: Services, job_id: str) -> Path:
    return services.settings.export_dir / job_id
