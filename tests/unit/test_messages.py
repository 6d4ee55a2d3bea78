"""FhirRequest: URL parsing, parameters, the JSON body and the Prefer header."""

from __future__ import annotations

import pytest

from enlace.interactions.messages import FhirRequest, FhirResponse, outcome_response
from enlace.kernel import errors
from enlace.kernel.errors import FhirError

BASE = "http://127.0.0.1:8000/fhir"


@pytest.mark.parametrize(
    ("url", "path", "segments"),
    [
        ("Patient", "Patient", ["Patient"]),
        ("/Patient/123/", "Patient/123", ["Patient", "123"]),
        ("Patient/123/_history/2", "Patient/123/_history/2", ["Patient", "123", "_history", "2"]),
        ("", "", []),
        ("?_count=1", "", []),
        ("/", "", []),
        ("Patient//123", "Patient//123", ["Patient", "123"]),
    ],
)
def test_from_url_path_and_segments(url: str, path: str, segments: list[str]) -> None:
    request = FhirRequest.from_url("get", url, BASE)
    assert request.method == "GET"
    assert request.path == path
    assert request.segments == segments
    assert request.base_url == BASE


def test_from_url_query_parameters_keep_order_blanks_and_repeats() -> None:
    request = FhirRequest.from_url(
        "post", "Patient?identifier=http%3A%2F%2Fs%7C1&name=&_count=5&name=Ana", BASE
    )
    assert request.method == "POST"
    assert request.path == "Patient"
    assert request.params == [
        ("identifier", "http://s|1"),
        ("name", ""),
        ("_count", "5"),
        ("name", "Ana"),
    ]
    assert request.param("name") == ""  # the first occurrence, even when blank
    assert request.param("_count") == "5"
    assert request.param("missing") is None


def test_from_url_headers_and_defaults() -> None:
    headers = {"if-none-exist": "identifier=1"}
    request = FhirRequest.from_url("PUT", "Patient/1", headers=headers)
    assert request.headers == headers
    assert request.body == b"" and request.base_url == "" and request.parsed_body is None
    assert FhirRequest.from_url("GET", "Patient").headers == {}


def test_json_parses_the_body_once_and_caches_it() -> None:
    request = FhirRequest("POST", "Patient", body=b'{"resourceType": "Patient", "active": true}')
    first = request.json()
    assert first == {"resourceType": "Patient", "active": True}
    assert request.parsed_body is first
    request.body = b"not json any more"
    assert request.json() is first


def test_json_returns_an_already_parsed_body_without_a_body() -> None:
    entry_resource = {"resourceType": "Observation"}
    request = FhirRequest("POST", "Observation", parsed_body=entry_resource)
    assert request.json() is entry_resource


def test_json_without_a_body_is_a_400() -> None:
    with pytest.raises(FhirError) as caught:
        FhirRequest("POST", "Patient").json()
    assert caught.value.status == 400
    assert caught.value.issues[0].code == "invalid"
    assert "no body" in caught.value.message


@pytest.mark.parametrize("body", [b"{", b'{"a": }', b"<Patient/>", b"\xff\xfe", b"{'a': 1}"])
def test_malformed_json_is_a_400_structure(body: bytes) -> None:
    request = FhirRequest("POST", "Patient", body=body)
    with pytest.raises(FhirError) as caught:
        request.json()
    assert caught.value.status == 400
    assert caught.value.issues[0].code == "structure"
    assert "not valid JSON" in caught.value.message
    assert request.parsed_body is None


@pytest.mark.parametrize(
    ("prefer", "name", "value"),
    [
        ("return=minimal; handling=lenient", "return", "minimal"),
        ("return=minimal; handling=lenient", "handling", "lenient"),
        ("return=minimal, handling=strict", "handling", "strict"),
        ("handling=lenient;return=OperationOutcome", "return", "OperationOutcome"),
        ('return="representation"', "return", "representation"),
        (" return = minimal ", "return", "minimal"),
        ("respond-async", "respond-async", ""),
        ("respond-async, return=minimal", "return", "minimal"),
        ("respond-async, return=minimal", "respond-async", ""),
        ("return=minimal", "handling", None),
        ("return=minimal", "respond-async", None),
        ("", "return", None),
        ("returns=minimal", "return", None),
    ],
)
def test_preference(prefer: str, name: str, value: str | None) -> None:
    request = FhirRequest("GET", "Patient", headers={"prefer": prefer})
    assert request.preference(name) == value


def test_preference_without_a_prefer_header() -> None:
    assert FhirRequest("GET", "Patient").preference("return") is None


def test_outcome_response_carries_status_issues_and_headers() -> None:
    error = errors.gone("Patient/p1 was deleted", {"ETag": 'W/"2"'})
    response = outcome_response(error)
    assert isinstance(response, FhirResponse)
    assert response.status == 410
    assert response.headers == {"ETag": 'W/"2"'}
    assert response.headers is not error.headers
    assert response.content_type == "application/fhir+json"
    assert response.body == {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": "deleted", "diagnostics": "Patient/p1 was deleted"}
        ],
    }
