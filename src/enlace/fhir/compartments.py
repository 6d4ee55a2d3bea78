"""The Patient compartment (R4 CompartmentDefinition/patient): which resource types belong to it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import orjson

from enlace.fhir.definitions import default_definitions_dir


@lru_cache(maxsize=2)
def patient_compartment_types(directory: Path | None = None) -> frozenset[str]:
    """Resource types with at least one parameter linking them to a Patient (Patient itself too)."""
    source = (directory or default_definitions_dir()) / "compartmentdefinition-patient.json"
    definition = orjson.loads(source.read_bytes())
    members = {entry["code"] for entry in definition["resource"] if entry.get("param")}
    return frozenset(members | {"Patient"})


@lru_cache(maxsize=2)
def patient_compartment_params(directory: Path | None = None) -> dict[str, tuple[str, ...]]:
    """For each resource type in the Patient compartment, the search parameters whose reference
    to a Patient makes a resource a member (Observation: subject, performer; Patient: link)."""
    source = (directory or default_definitions_dir()) / "compartmentdefinition-patient.json"
    definition = orjson.loads(source.read_bytes())
    return {
        entry["code"]: tuple(entry["param"])
        for entry in definition["resource"]
        if entry.get("param")
    }
