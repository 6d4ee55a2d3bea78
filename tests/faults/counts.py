"""The counts each fault test reports, printed by conftest's terminal summary."""

from __future__ import annotations

from typing import Any

REPORTS: list[str] = []


def report(test: str, **counts: Any) -> None:
    """One line: the test and what it counted (sent, acknowledged, stored, duplicates, ...)."""
    REPORTS.append(f"{test}: " + ", ".join(f"{name}={value}" for name, value in counts.items()))
    print(REPORTS[-1])
