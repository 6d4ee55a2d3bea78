"""Every Synthea resource de-identified: still valid R4, and no identifying value of the source left."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from enlace.fhir.definitions import load_definitions
from enlace.fhir.validation import validate_resource
from enlace.security.deidentify import Deidentifier
from tests.conftest import SYNTHEA

BUNDLES = sorted(SYNTHEA.glob("*.json"))
FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def identifying_values(resource: Any, found: set[str] | None = None) -> set[str]:
    """Names, telecom values, address lines and cities, identifier values, full dates and ids."""
    found = set() if found is None else found
    if isinstance(resource, dict):
        for key, value in resource.items():
            if key == "city" and value == resource.get("state"):
                continue  # Havana, Havana: the state is published on purpose
            if key in ("family", "given", "line", "city") and value:
                found.update([value] if isinstance(value, str) else value)
            elif key == "value" and isinstance(value, str) and ("system" in resource):
                found.add(value)  # Identifier.value and ContactPoint.value
            elif key == "id" and isinstance(value, str) and "resourceType" in resource:
                found.add(value)
            elif isinstance(value, str) and FULL_DATE.match(value):
                found.add(value[:10])
            else:
                identifying_values(value, found)
    elif isinstance(resource, list):
        for item in resource:
            identifying_values(item, found)
    # An instant keeps its year as YYYY-01-01T00:00:00Z: a source date on 1 January looks the same.
    return {v for v in found if len(v) >= 3 and not v.endswith("-01-01")}


def string_values(value: Any, found: set[str] | None = None) -> set[str]:
    found = set() if found is None else found
    if isinstance(value, str):
        found.add(value)
    elif isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            string_values(item, found)
    return found


def leaked(secrets: set[str], published: Any) -> list[str]:
    """The secrets found in any string of `published`: short values ("520", an NPI) only as a
    whole value, longer ones anywhere in one."""
    values = string_values(published)
    return sorted(
        secret
        for secret in secrets
        if secret in values or (len(secret) >= 6 and any(secret in value for value in values))
    )


@pytest.mark.skipif(not BUNDLES, reason=f"the Synthea sample is absent from {SYNTHEA}")
@pytest.mark.parametrize("path", BUNDLES, ids=[p.name.split("_")[0] for p in BUNDLES])
def test_synthea_patient_leaves_no_identifier(path: Path) -> None:
    deid = Deidentifier(b"synthea", as_of=date(2026, 1, 1))
    resources = [entry["resource"] for entry in json.loads(path.read_text())["entry"]]
    secrets = identifying_values(resources)
    assert len(secrets) > 50  # names, phone, address, SSN, MRN, ids and dates were all found
    published = [deid.resource(resource) for resource in resources]
    assert all(out is not None for out in published)
    assert leaked(secrets, published) == []
    definitions = load_definitions()
    assert [validate_resource(out, definitions) for out in published] == [[]] * len(published)
