"""Which requests are one short, bounded resource interaction (run inline, not in a thread)."""

from __future__ import annotations

import pytest

from enlace.interactions.messages import FhirRequest
from enlace.interactions.router import is_single_resource


def request(method: str, url: str, headers: dict[str, str] | None = None) -> FhirRequest:
    return FhirRequest.from_url(method, url, "http://localhost/fhir", headers)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "Patient/p1"),  # read
        ("GET", "Patient/p1?_format=json"),
        ("GET", "Patient/p1/_history/2"),  # vread
        ("POST", "Patient"),  # create
        ("PUT", "Patient/p1"),  # update
        ("PATCH", "Patient/p1"),  # patch
        ("DELETE", "Patient/p1"),  # delete
    ],
)
def test_single_resource_interactions(method: str, url: str) -> None:
    assert is_single_resource(request(method, url)) is True


def test_update_and_patch_with_if_match_are_single() -> None:
    assert is_single_resource(request("PUT", "Patient/p1", {"if-match": 'W/"1"'}))
    assert is_single_resource(request("PATCH", "Patient/p1", {"if-match": 'W/"1"'}))


@pytest.mark.parametrize(
    ("method", "url", "headers"),
    [
        ("GET", "Patient", {}),  # search
        ("GET", "Patient?identifier=x", {}),
        ("POST", "Patient/_search", {}),
        ("GET", "Patient/p1/_history", {}),  # history
        ("GET", "Patient/_history", {}),
        ("GET", "_history", {}),
        ("POST", "Patient/$validate", {}),
        ("POST", "Patient/p1/$validate", {}),
        ("GET", "metadata", {}),
        ("POST", "", {}),  # transaction or batch
        ("POST", "/", {}),
        ("GET", "", {}),
        ("POST", "Patient", {"if-none-exist": "identifier=x"}),  # conditional create
        ("PUT", "Patient?identifier=x", {}),  # conditional update
        ("PATCH", "Patient?identifier=x", {}),  # conditional patch
        ("DELETE", "Patient?identifier=x", {}),  # conditional delete
        ("GET", "$export", {"prefer": "respond-async"}),
        ("GET", "Patient/$export", {}),
        ("GET", "Group/g1/$export", {}),
        ("GET", "$export-poll-status/job1", {}),
        ("DELETE", "$export-poll-status/job1", {}),
        ("GET", "$export-file/job1/Patient.ndjson", {}),
        ("DELETE", "Patient/p1/_history/2", {}),
        ("GET", "Patient/p1/_history/2/extra", {}),
    ],
)
def test_not_single_resource(method: str, url: str, headers: dict[str, str]) -> None:
    assert is_single_resource(request(method, url, headers)) is False
