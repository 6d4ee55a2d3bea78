"""`fhir.references.local_id`: the id of a literal reference to a resource of a given type."""

from __future__ import annotations

from typing import Any

import pytest

from enlace.fhir.references import local_id


@pytest.mark.parametrize(
    ("reference", "kind", "found"),
    [
        ({"reference": "Patient/p-1"}, "Patient", "p-1"),
        ({"reference": "Patient/p.1"}, "Patient", "p.1"),
        ({"reference": "Patient/p-1"}, "Coverage", None),
        ({"reference": "Patient/"}, "Patient", None),
        ({"reference": "Patient/a/_history/2"}, "Patient", None),
        ({"reference": "Patient?identifier=x"}, "Patient", None),
        ({"reference": "http://other/fhir/Patient/1"}, "Patient", None),
        ({"reference": "Patient/" + "x" * 65}, "Patient", None),
        ({"reference": "Patient/has space"}, "Patient", None),
        ({"display": "no reference"}, "Patient", None),
        ("Patient/1", "Patient", None),
        (None, "Patient", None),
    ],
)
def test_local_id(reference: Any, kind: str, found: str | None) -> None:
    assert local_id(reference, kind) == found
