"""Content negotiation: JSON only; XML or other formats get 406 (wanted) or 415 (sent)."""

from __future__ import annotations

import pytest

from enlace.entrypoints.http.negotiation import check_formats
from enlace.kernel.errors import FhirError


def refused(method: str, headers: dict[str, str], params: list[tuple[str, str]]) -> int | None:
    """The status check_formats refuses with, or None when it accepts."""
    try:
        check_formats(method, headers, params)
    except FhirError as error:
        assert [issue.code for issue in error.issues] == ["not-supported"]
        return error.status
    return None


@pytest.mark.parametrize(
    "accept",
    [
        "*/*",
        "application/*",
        "application/json",
        "application/fhir+json",
        "application/fhir+json;q=0.9, text/html",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # a browser
        "APPLICATION/FHIR+JSON",
        "application/fhir+ndjson",
        "application/fhir+json; fhirVersion=4.0",
    ],
)
def test_accept_headers_that_allow_json(accept: str) -> None:
    assert refused("GET", {"accept": accept}, []) is None


@pytest.mark.parametrize(
    "accept", ["application/fhir+xml", "application/xml", "text/html", "text/turtle, text/html"]
)
def test_accept_headers_without_json_are_406(accept: str) -> None:
    assert refused("GET", {"accept": accept}, []) == 406
    with pytest.raises(FhirError, match="excludes JSON"):
        check_formats("GET", {"accept": accept}, [])


def test_json_with_q_zero_is_not_acceptable() -> None:
    assert refused("GET", {"accept": "application/fhir+json;q=0, application/fhir+xml"}, []) == 406


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("json", None),
        ("application/json", None),
        ("application/fhir+json", None),
        ("", None),
        ("xml", 406),
        ("application/fhir+xml", 406),
        ("text/xml", 406),
        ("html", 406),
        ("ttl", 406),
    ],
)
def test_format_parameter(value: str, status: int | None) -> None:
    assert refused("GET", {}, [("_count", "1"), ("_format", value)]) == status


def test_format_parameter_wins_over_a_json_accept() -> None:
    assert refused("GET", {"accept": "application/fhir+json"}, [("_format", "xml")]) == 406


def test_no_headers_and_no_parameters_is_accepted() -> None:
    assert refused("GET", {}, []) is None
    assert refused("POST", {}, []) is None


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
@pytest.mark.parametrize("content_type", ["application/xml", "application/fhir+xml", "text/plain"])
def test_non_json_bodies_are_415(method: str, content_type: str) -> None:
    assert refused(method, {"content-type": content_type}, []) == 415


@pytest.mark.parametrize("method", ["GET", "DELETE", "HEAD"])
def test_content_type_is_ignored_without_a_body_method(method: str) -> None:
    assert refused(method, {"content-type": "application/xml"}, []) is None


@pytest.mark.parametrize(
    "content_type",
    [
        "application/fhir+json",
        "application/fhir+json; charset=utf-8",
        "application/json",
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/x-www-form-urlencoded",  # POST Type/_search
        "Application/FHIR+JSON",
    ],
)
def test_json_and_form_bodies_are_accepted(content_type: str) -> None:
    assert refused("POST", {"content-type": content_type}, []) is None


def test_406_is_checked_before_415() -> None:
    headers = {"accept": "application/fhir+xml", "content-type": "application/fhir+xml"}
    assert refused("POST", headers, []) == 406
