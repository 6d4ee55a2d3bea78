"""`ViewDefinition/$run`: a view evaluated on request, its rows as JSON, NDJSON or CSV.

The body is a Parameters resource (SQL-on-FHIR v2 `$run`): `viewResource` (the ViewDefinition
inline: R4 has no ViewDefinition type, so this server stores none and `viewReference` is not
taken), `_format` (`json` default, `ndjson`, `csv`), `header` (CSV header row, default true),
`_limit` (rows), and zero or more `resource` (the resources to run over; without any, the view
runs over the store's current resources of its type). Every problem is a 400 naming the
parameter or the ViewDefinition element; a row-time failure (a non-boolean `where`, several
values in a single column) is a 422 naming the column.

Spec: https://sql-on-fhir.org/ig/OperationDefinition-ViewDefinitionRun.html
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.kernel.jsonutil import dumps
from enlace.modules.analytics.engine import Row, ViewRunner, ViewRuntimeError
from enlace.modules.analytics.viewdef import CompiledView, ViewDefinitionError, compile_view
from enlace.security.access import Access
from enlace.store.repository import FhirRepository

# Rows read from the store are identifiable: the platform itself and administrators only
# (analysts get population figures de-identified, docs/security.md). Inline resources read
# nothing stored, so anyone signed in may run a view over them.
STORED_DATA_ROLES = ("administrator",)
FORMATS = {"json": "application/json", "ndjson": "application/x-ndjson", "csv": "text/csv"}
MAX_ROWS = 100_000


@dataclass(frozen=True)
class RunRequest:
    view: CompiledView
    file_format: str
    header: bool
    limit: int
    resources: list[dict[str, Any]] | None  # None: the store's resources


def checked_view(definition: Any, where: str = "ViewDefinition") -> CompiledView:
    """The compiled view, or a 400 OperationOutcome with one issue per problem."""
    try:
        return compile_view(definition)
    except ViewDefinitionError as exc:
        issues = [
            errors.Issue(
                i.code, i.diagnostics, (i.expression or "").replace("ViewDefinition", where, 1)
            )
            for i in exc.issues
        ]
        raise errors.FhirError(400, issues) from exc


def run_operation(
    repo: FhirRepository, read: Connection, body: Any, access: Access
) -> tuple[bytes, str]:
    """`ViewDefinition/$run` for one asker: the rows rendered, with their content type."""
    if access.kind == "anonymous":
        raise errors.error(401, "login", "ViewDefinition/$run needs a signed-in user or client")
    request = parse_run(body)
    if request.resources is None and not (access.unrestricted or access.role in STORED_DATA_ROLES):
        raise errors.error(
            403,
            "forbidden",
            "running a view over stored resources is for administrators; send the resources "
            "as 'resource' parameters",
        )
    rows = run(request, repo, read)
    content = render(request.view.column_names, rows, request.file_format, request.header)
    return content, FORMATS[request.file_format]


def parse_run(body: Any) -> RunRequest:
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise errors.bad_request("$run takes a Parameters resource", "Parameters")
    parameters = body.get("parameter")
    if not isinstance(parameters, list):
        raise errors.bad_request("Parameters.parameter must be a list", "Parameters.parameter")
    view: CompiledView | None = None
    file_format, header, limit = "json", True, MAX_ROWS
    resources: list[dict[str, Any]] = []
    for i, parameter in enumerate(parameters):
        where = f"Parameters.parameter[{i}]"
        name = parameter.get("name") if isinstance(parameter, dict) else None
        if name == "viewResource":
            view = checked_view(parameter.get("resource"), f"{where}.resource")
        elif name == "_format":
            file_format = _format(parameter, where)
        elif name == "header":
            header = _value(parameter, "valueBoolean", bool, where)
        elif name == "_limit":
            limit = _value(parameter, "valueInteger", int, where)
            if limit < 1:
                raise errors.bad_request("_limit must be at least 1", f"{where}.valueInteger")
        elif name == "resource":
            resource = parameter.get("resource")
            if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
                raise errors.bad_request("a resource parameter needs a resource", where)
            resources.append(resource)
        elif name == "viewReference":
            raise errors.error(
                422, "not-supported", "ViewDefinitions are not stored: send viewResource", where
            )
        else:
            raise errors.bad_request(f"unknown $run parameter {name!r}", f"{where}.name")
    if view is None:
        raise errors.bad_request("$run needs a viewResource parameter", "Parameters.parameter")
    return RunRequest(view, file_format, header, min(limit, MAX_ROWS), resources or None)


def _format(parameter: dict[str, Any], where: str) -> str:
    value = parameter.get("valueCode", parameter.get("valueString"))
    if value not in FORMATS:
        raise errors.bad_request(
            f"_format must be one of {', '.join(FORMATS)}; got {value!r}", f"{where}.valueCode"
        )
    return str(value)


def _value(parameter: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = parameter.get(key)
    if type(value) is not kind:
        raise errors.bad_request(f"{parameter.get('name')} needs {key}", f"{where}.{key}")
    return value


def run(request: RunRequest, repo: FhirRepository, read: Connection) -> list[Row]:
    """The rows (at most `limit`); a 422 naming the column or where when a resource breaks it."""
    runner = ViewRunner(request.view)
    source = request.resources if request.resources is not None else _stored(repo, read, runner)
    try:
        return list(islice(runner.run(source), request.limit))
    except ViewRuntimeError as exc:
        raise errors.error(422, "processing", exc.message, exc.location) from exc


def _stored(repo: FhirRepository, read: Connection, runner: ViewRunner) -> Iterator[dict[str, Any]]:
    after: str | None = None
    while True:
        page = repo.scan(read, runner.resource_type, after=after, limit=1000)
        if not page:
            return
        for version in page:
            yield version.resource()
        after = page[-1].id


def render(names: list[str], rows: Iterable[Row], file_format: str, header: bool = True) -> bytes:
    if file_format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if header:
            writer.writerow(names)
        for row in rows:
            writer.writerow(_csv_cell(v) for v in row)
        return out.getvalue().encode()
    objects = (dict(zip(names, row, strict=True)) for row in rows)
    if file_format == "ndjson":
        return b"".join(dumps(o) + b"\n" for o in objects)
    return dumps(list(objects))


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if type(value) is bool:
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return value
