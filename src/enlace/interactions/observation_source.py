"""Observations that live outside `resources` and are still served as FHIR (DESIGN.md principle
1): the device readings of the monitoring module. Interactions may not import modules, so a
module offers such a source and bootstrap registers it on `Services.observation_sources`; the
search and read interactions ask it (interactions/observation_merge.py).

A source speaks plain values only (no interaction types), so the module needs no import from
here: any object with these three methods is a source.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Connection

# (effective time in microseconds since the epoch UTC, the Observation as a JSON-ready dict)
Dated = tuple[int, dict[str, Any]]


class ObservationSource(Protocol):
    def search(
        self,
        conn: Connection,
        patient: str,
        filters: list[tuple[str, str]],
        descending: bool,
        offset: int,
        limit: int,
    ) -> list[Dated] | str:
        """One patient's Observations matching `filters` (search parameters other than
        patient/subject), sorted by date, from `offset`, at most `limit`; or, as a string, why
        this source cannot answer such a search (a parameter it does not support). A malformed
        value is a FhirError 400 naming the parameter."""
        ...

    def count(self, conn: Connection, patient: str, filters: list[tuple[str, str]]) -> int:
        """How many Observations `search` would find in all (for the searchset's total)."""
        ...

    def read(self, conn: Connection, observation_id: str) -> tuple[str, dict[str, Any]] | None:
        """(patient id, Observation) of one id of this source, or None when it is not one."""
        ...
