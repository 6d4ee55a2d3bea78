"""`enlace import`: FHIR Bundles (transaction, batch, collection) and NDJSON files, in batches.

Idempotent by construction: every resource is stored under a stable id (its own `id`, else the
uuid of its `urn:uuid:` fullUrl) with create-or-update semantics, and the store skips resources
whose content is unchanged. So re-running the same files writes no new versions.
Each file is one database transaction: a file with one invalid resource writes nothing, and the
error names the file, the line or entry, and the element.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from enlace.kernel import errors
from enlace.kernel.errors import Issue
from enlace.store.bulk import PutItem, Statistics

from .context import Services
from .references import conditional_references, rewrite_references

BATCH_SIZE = 1000
_UUID_URL = re.compile(r"^urn:uuid:([0-9a-fA-F-]{36})$")


@dataclass
class ImportReport:
    files: int = 0
    resources: int = 0
    counts: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0}
    )


Progress = Callable[[int], None]


def import_paths(
    services: Services, paths: list[Path], progress: Progress | None = None
) -> ImportReport:
    report = ImportReport()
    for path in _expand(paths):
        with services.db.begin() as conn:
            statistics = Statistics()
            for batch in _batches(_resources_in(path)):
                _check(services, path, batch)
                counts = services.repo.put_many(conn, [PutItem(resource) for _, resource in batch])
                for key, value in counts.items():
                    report.counts[key] += value
                report.resources += len(batch)
                statistics.note(conn, counts["created"] + counts["updated"])
                if progress:
                    progress(len(batch))
        report.files += 1
    return report


def _expand(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in (".json", ".ndjson"))
        elif path.is_file():
            yield path
        else:
            raise errors.not_found(f"No such file or directory: {path}")


def _resources_in(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, resource) pairs; `where` names the line or entry for error messages."""
    if path.suffix == ".ndjson":
        with path.open("rb") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    yield f"{path}:{number}", _parse(line, f"{path}:{number}")
        return
    document = _parse(path.read_bytes(), str(path))
    if isinstance(document, dict) and document.get("resourceType") == "Bundle":
        yield from _bundle_resources(path, document)
    else:
        yield str(path), document


def _bundle_resources(path: Path, bundle: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    if bundle.get("type") not in ("transaction", "batch", "collection"):
        raise errors.bad_request(f"{path}: Bundle.type '{bundle.get('type')}' cannot be imported")
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise errors.bad_request(f"{path}: Bundle.entry must be an array", "Bundle.entry")
    for index, entry in enumerate(entries):
        _check_loadable(path, index, entry)
    mapping: dict[str, str] = {}
    for entry in entries:
        resource = entry["resource"]
        resource_id = resource.get("id") or _id_from_full_url(entry.get("fullUrl"))
        resource["id"] = resource_id
        if entry.get("fullUrl"):
            mapping[entry["fullUrl"]] = f"{resource.get('resourceType')}/{resource_id}"
    for index, entry in enumerate(entries):
        rewrite_references(entry["resource"], mapping)
        yield f"{path} Bundle.entry[{index}]", entry["resource"]


def _check_loadable(path: Path, index: int, entry: Any) -> None:
    """The importer loads resources; anything that needs the REST semantics is refused, by name."""
    where = f"Bundle.entry[{index}]"
    if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
        raise errors.bad_request(f"{path} {where}: no resource to load", where)
    request = entry.get("request")
    if not isinstance(request, dict):
        request = {}
    method = str(request.get("method", "PUT")).upper()
    conditional = "ifNoneExist" in request or "?" in str(request.get("url", ""))
    unresolved = conditional_references(entry["resource"])
    if method not in ("POST", "PUT") or conditional or unresolved:
        what = f"a {method} entry" if method not in ("POST", "PUT") else "a conditional entry"
        if unresolved:
            what = f"a conditional reference ({sorted(unresolved)[0]})"
        raise errors.bad_request(
            f"{path} {where}: {what} needs the REST semantics the importer does not apply; "
            "POST this Bundle to /fhir instead",
            where,
            code="not-supported",
        )


def _id_from_full_url(full_url: str | None) -> str:
    match = _UUID_URL.match(full_url or "")
    if match:
        return match[1].lower()
    if full_url:  # stable across runs: derived from the fullUrl, not random
        return str(uuid.uuid5(uuid.NAMESPACE_URL, full_url))
    return str(uuid.uuid4())


def _parse(data: bytes, where: str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise errors.bad_request(f"{where}: not valid JSON ({exc})", code="structure") from exc


def _batches(
    items: Iterator[tuple[str, dict[str, Any]]],
) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    batch: list[tuple[str, dict[str, Any]]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _check(services: Services, path: Path, batch: list[tuple[str, dict[str, Any]]]) -> None:
    problems: list[Issue] = []
    for where, resource in batch:
        if not isinstance(resource, dict) or not resource.get("id"):
            problems.append(Issue("required", f"{where}: a resource with an id is needed"))
            continue
        for issue in services.validate(resource):
            problems.append(Issue(issue.code, f"{where}: {issue.diagnostics}", issue.expression))
    if problems:
        raise errors.FhirError(400, problems)
