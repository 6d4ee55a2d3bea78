"""Saved reports: what `enlace procurement flags FILE --save` leaves for the regulator's page.

A report is a snapshot of an analysis (which data set, when, with which indicators), not a live
query: a regulator cites what was found in a given file on a given day, and re-analysing a
1,500-process CSV on every page view would cost seconds. One JSON file per data set under
`<var dir>/procurement/`, named after the data set; saving again replaces it atomically
(written beside it, then renamed), so the page never reads half a file.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from enlace.kernel.jsonutil import dumps, loads
from enlace.modules.procurement.service import Report

REPORT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")
FORMAT = 1  # bumped when the saved shape changes; other versions are not shown


def report_name(source: Path | str) -> str:
    """The saved name of a data set: its file or folder name, lower-case, without suffix,
    other characters as `-` (`compranet_csv_sample/` → `compranet_csv_sample`)."""
    stem = Path(source).name.split(".")[0].lower()
    cleaned = re.sub(r"[^a-z0-9_-]+", "-", stem).strip("-_")[:80] or "report"
    return cleaned


def save_report(
    report: Report, directory: Path, saved_at: datetime, name: str | None = None
) -> Path:
    """Write the report as `<directory>/<name>.json` (replacing an earlier one)."""
    name = name or report_name(report.source)
    if not REPORT_NAME.fullmatch(name):
        raise ValueError(f"bad report name {name!r}")
    directory.mkdir(parents=True, exist_ok=True)
    body = {"format": FORMAT, "name": name, "saved_at": saved_at.isoformat(), **report.as_dict()}
    body["indicators"] = list(report.indicators)
    target = directory / f"{name}.json"
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(dumps(body))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


@dataclass(frozen=True)
class SavedReport:
    name: str
    saved_at: str
    body: dict[str, Any]  # Report.as_dict() plus name, saved_at, indicators


def saved_reports(directory: Path) -> tuple[list[SavedReport], list[str]]:
    """Every readable saved report, by name, and the names of files that could not be read
    (shown as a warning rather than failing the page)."""
    found: list[SavedReport] = []
    unreadable: list[str] = []
    if not directory.is_dir():
        return found, unreadable
    for path in sorted(directory.glob("*.json")):
        body = _load(path)
        if body is None:
            unreadable.append(path.name)
            continue
        found.append(SavedReport(path.stem, str(body.get("saved_at", "")), body))
    return found, unreadable


def _load(path: Path) -> dict[str, Any] | None:
    try:
        body = loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(body, dict) or body.get("format") != FORMAT or body.get("name") != path.stem:
        return None
    if not all(isinstance(body.get(k), list) for k in ("flags", "prices", "indicators")):
        return None
    return body
