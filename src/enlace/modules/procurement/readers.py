"""OCDS input: release packages, record packages, compiled releases and JSON Lines, streamed.

A package is read one release at a time (ijson), so memory stays bounded by the largest release, not
the file. A folder is read file by file; `.csv` files go to the CompraNet reader.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import ijson

from enlace.kernel import jsonutil
from enlace.modules.procurement.ocds import Release

JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
MAX_EXAMPLES = 20
FIRST_LINE_LIMIT = 1 << 20  # bytes read to tell JSON Lines from one JSON document


class ProcurementInputError(ValueError):
    """The input cannot be read as OCDS or CompraNet data at all (a clear message, no trace)."""


@dataclass(slots=True)
class ReadProblems:
    """What was skipped while reading: counted, a few examples kept for the report."""

    malformed: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, where: str, why: str) -> None:
        self.malformed += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(f"{where}: {why}")


def read_releases(path: Path, problems: ReadProblems) -> Iterator[Release]:
    """Every compiled release in a file or folder; unreadable parts are counted in `problems`."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (*JSON_SUFFIXES, ".csv"))
        if not files:
            raise ProcurementInputError(f"{path}: no .json, .jsonl or .csv files in this folder")
        for file in files:
            yield from _read_file(file, problems)
    elif path.is_file():
        yield from _read_file(path, problems)
    else:
        raise ProcurementInputError(f"{path}: no such file or folder")


def _read_file(path: Path, problems: ReadProblems) -> Iterator[Release]:
    if path.suffix.lower() == ".csv":
        from enlace.modules.procurement.compranet import read_compranet_csv

        yield from read_compranet_csv(path, problems)
        return
    with path.open("rb") as stream:
        # Bounded: a package written on one line must not be read whole to find its first line.
        first_line = stream.readline(FIRST_LINE_LIMIT)
        if path.suffix.lower() in (".jsonl", ".ndjson") or _is_json_lines(first_line):
            stream.seek(0)
            yield from _read_json_lines(path, stream, problems)
            return
        stream.seek(0)
        yield from _read_document(path, stream, problems)


def _is_json_lines(first_line: bytes) -> bool:
    """JSON Lines when the first line alone is a whole JSON object."""
    if not first_line.strip().startswith(b"{"):
        return False
    try:
        return isinstance(jsonutil.loads(first_line), dict)
    except jsonutil.JSONDecodeError:
        return False


def _read_json_lines(path: Path, stream: IO[bytes], problems: ReadProblems) -> Iterator[Release]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            value = jsonutil.loads(line)
        except jsonutil.JSONDecodeError as exc:
            problems.add(f"{path.name} line {number}", f"not JSON ({exc})")
            continue
        releases = unpack(value, f"{path.name} line {number}", problems)
        if releases is None and number == 1:
            raise ProcurementInputError(
                f"{path}: not OCDS (line 1 is no release, record or package)"
            )
        if releases is None:
            problems.add(f"{path.name} line {number}", "not an OCDS release, record or package")
            continue
        yield from releases


def _read_document(path: Path, stream: IO[bytes], problems: ReadProblems) -> Iterator[Release]:
    try:
        container = _top_level_container(path, stream)
        stream.seek(0)
        if container is None:  # one compiled release (or record), small enough to hold
            value = next(ijson.items(stream, "", use_float=True))
            releases = unpack(value, path.name, problems)
            if releases is None:
                raise ProcurementInputError(
                    f"{path}: not OCDS (expected a release package, a record package, "
                    "a compiled release or JSON Lines of them)"
                )
            yield from releases
            return
        for value in ijson.items(stream, container, use_float=True):
            if container == "records.item":
                compiled = _compiled(value, path.name, problems)
                yield from [compiled] if compiled else []
            else:
                yield from unpack(value, path.name, problems) or _skip(path, problems)
    except ijson.JSONError as exc:
        raise ProcurementInputError(f"{path}: not valid JSON ({_first_line(exc)})") from exc


def _skip(path: Path, problems: ReadProblems) -> list[Release]:
    problems.add(path.name, "an entry is not an OCDS release or record")
    return []


def _top_level_container(path: Path, stream: IO[bytes]) -> str | None:
    """The ijson prefix of a package's releases or records; None for a bare release or record."""
    for prefix, event, value in ijson.parse(stream):
        if prefix == "" and event == "start_array":
            return "item"  # a JSON array of releases
        if prefix == "" and event == "map_key" and value in ("releases", "records"):
            return f"{value}.item"
        if prefix == "" and event not in ("start_map", "map_key", "end_map"):
            raise ProcurementInputError(f"{path}: not OCDS (the document is not a JSON object)")
    return None


def unpack(value: Any, where: str, problems: ReadProblems) -> list[Release] | None:
    """The compiled releases one JSON value holds, or None when it is not OCDS at all."""
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("releases"), list) and "ocid" not in value:
        return [r for r in value["releases"] if isinstance(r, dict)]
    if isinstance(value.get("records"), list):
        return [r for rec in value["records"] if (r := _compiled(rec, where, problems))]
    if "compiledRelease" in value or ("ocid" in value and "releases" in value):
        compiled = _compiled(value, where, problems)
        return [compiled] if compiled else []
    if "ocid" in value:
        return [value]
    return None


def _compiled(record: Any, where: str, problems: ReadProblems) -> Release | None:
    """A record's compiled release; merging a record's separate releases is not done here."""
    if not isinstance(record, dict):
        return None
    compiled = record.get("compiledRelease")
    if isinstance(compiled, dict):
        return compiled
    releases = record.get("releases")
    if isinstance(releases, list) and len(releases) == 1 and isinstance(releases[0], dict):
        return releases[0]
    problems.add(where, f"record {record.get('ocid')!r} has no compiledRelease")
    return None


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
