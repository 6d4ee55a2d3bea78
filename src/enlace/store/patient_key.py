"""The patient key of a stored resource: the column (migration 0038) that places the FHIR store's
rows by patient, and will distribute them on Citus (docs/scale.md §1).

The key is the logical id of the Patient whose compartment holds the resource, read from the
reference_index rows the search indexer already builds for the write (no second walk of the
resource, so it costs one pass over a handful of rows on the write hot path). Rules:

- a Patient: its own id;
- a member of the Patient compartment (R4 CompartmentDefinition/patient, the definition that
  `$everything` and compartment search use): the target of the first parameter, in the
  definition's order, that references a Patient (Observation: subject before performer). A
  resource in several patients' compartments thus gets one deterministic key; when one
  parameter holds several Patients, the smallest id wins, not the order in the resource. An
  absolute URL ending in Patient/<id> counts, as it does for compartment search;
- anything else (catalogs, Organization, Practitioner, ValueSet...), and a member whose
  compartment references are absent or point at no Patient id (a Group, a urn:, an
  identifier-only reference): its own id, so those rows spread
  evenly and can later become Citus reference tables.
"""

from __future__ import annotations

from typing import Any

from enlace.fhir.compartments import patient_compartment_params
from enlace.store.records import IndexRows

_PATIENT = "Patient"
# Positions in a reference_index row: INDEX_KEY_COLUMNS then target_type, target_id, url.
_PARAM, _TARGET_TYPE, _TARGET_ID = 2, 4, 5


def patient_key(resource_type: str, resource_id: str, rows: IndexRows) -> str:
    """The patient key of `resource_type/resource_id`, given the index rows built for it."""
    if resource_type == _PATIENT:
        return resource_id
    params = patient_compartment_params().get(resource_type)
    if not params:
        return resource_id
    found: dict[str, str] = {}
    for row in rows.tables.get("reference_index", ()):
        target = row[_TARGET_ID]
        if row[_TARGET_TYPE] != _PATIENT or target is None:
            continue
        param = row[_PARAM]
        known = found.get(param)
        if known is None or target < known:
            found[param] = target
    for param in params:
        if param in found:
            return found[param]
    return resource_id


def keyed(rows: IndexRows, key: str) -> dict[str, list[tuple[Any, ...]]]:
    """The index rows with the patient key appended (the last column of every index table):
    an index row lives on its resource's shard."""
    return {table: [(*row, key) for row in found] for table, found in rows.tables.items()}
