"""The JSON shape scan and the query-cost checks, on their own (enlace.security.limits)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enlace.kernel.errors import FhirError
from enlace.security.limits import (
    check_json_body,
    check_parameters,
    json_depth,
    json_values,
    query_string_may_exceed,
)


def nested(depth: int) -> Any:
    """A Patient whose extensions nest so that the JSON text is `depth` (>= 3) levels deep."""
    wraps, odd = divmod(depth - 3, 2)
    ext: dict[str, Any] = {"url": "http://x", "valueString": "v"}
    if odd:
        ext = {"url": "http://x", "valueCodeableConcept": {"text": "v"}}
    for _ in range(wraps):
        ext = {"url": "http://x", "extension": [ext]}
    return {"resourceType": "Patient", "extension": [ext]}


def reference_depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((reference_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((reference_depth(v) for v in value), default=0)
    return 0


def empty_containers(value: Any) -> int:
    if isinstance(value, dict):
        return sum(empty_containers(v) for v in value.values()) if value else 1
    if isinstance(value, list):
        return sum(empty_containers(v) for v in value) if value else 1
    return 0


def reference_values(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(reference_values(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(reference_values(v) for v in value)
    return 1


# Strings full of what the scan must not mistake for structure: brackets, commas, quotes,
# backslashes, escapes.
tricky_text = st.text(alphabet='{}[],:"\\ aé\n\t/u0', max_size=12)
any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | tricky_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(tricky_text, children, max_size=4)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(any_json, st.booleans())
def test_depth_is_exact_and_value_count_a_close_upper_bound(value: Any, pretty: bool) -> None:
    text = json.dumps(value, indent=1 if pretty else None).encode()
    assert json_depth(text, 1000) == reference_depth(value)
    real = reference_values(value)
    assert real <= json_values(text) <= real + empty_containers(value)
    check_json_body(text, 1000, json_values(text))
    with pytest.raises(FhirError):
        check_json_body(text, 1000, real - 1)


def test_brackets_inside_strings_do_not_count() -> None:
    hiding = {"a": "]]]]]][[[[[[" * 40, "b": '\\"[[[[', "c": [["x"]]}
    assert json_depth(json.dumps(hiding).encode(), 64) == 3


def test_strings_cannot_lower_the_depth_of_what_follows() -> None:
    # Closing brackets in one string and opening ones in another, around a deep value.
    deep = {"a": ")" * 100 + "]" * 100 + "}" * 100, "b": nested(80), "c": "[" * 100 + "{" * 100}
    assert json_depth(json.dumps(deep).encode(), 64) > 64


def test_ndjson_depth_is_the_deepest_line() -> None:
    lines = b"\n".join(json.dumps(nested(d)).encode() for d in (5, 41, 9))
    assert json_depth(lines, 64) == 41


@pytest.mark.parametrize("depth", [63, 64])
def test_depth_at_the_limit_passes(depth: int) -> None:
    text = json.dumps(nested(depth)).encode()
    assert json_depth(text, 64) == depth
    check_json_body(text, 64, 10_000)


@pytest.mark.parametrize("depth", [65, 66, 300, 5000])
def test_deeper_than_the_limit_is_400_naming_the_depth(depth: int) -> None:
    text = b"[" * depth + b"]" * depth if depth > 300 else json.dumps(nested(depth)).encode()
    with pytest.raises(FhirError) as refused:
        check_json_body(text, 64, 1_000_000)
    assert refused.value.status == 400
    assert refused.value.issues[0].code == "too-costly"
    assert "deeper than 64 levels" in refused.value.message


def test_too_many_values_is_400_and_checked_before_depth() -> None:
    body = b"[" + b"0," * 2000 + b"[" * 100 + b"]" * 100 + b"]"
    with pytest.raises(FhirError) as refused:
        check_json_body(body, 64, 1000)
    assert refused.value.status == 400
    assert "more than 1000 values" in refused.value.message


def test_malformed_json_is_left_to_the_parser() -> None:
    for body in (b'{"a": "unterminated', b"]]]][[", b"", b"not json", b'{"a":}}}'):
        check_json_body(body, 64, 1000)  # no exception: orjson reports the syntax error later


def test_parameters_within_limits_pass() -> None:
    check_parameters([("name", "a,b,c"), ("_id", "x")], max_params=2, max_values=3)


def test_too_many_parameters_is_400() -> None:
    with pytest.raises(FhirError) as refused:
        check_parameters([("name", "a")] * 4, max_params=3, max_values=None)
    assert refused.value.status == 400 and "At most 3 parameters" in refused.value.message


def test_too_many_or_values_is_400_naming_the_parameter() -> None:
    with pytest.raises(FhirError) as refused:
        check_parameters([("code:not", "a,b,c,d")], max_params=10, max_values=3)
    assert refused.value.status == 400
    assert refused.value.issues[0].expression == "code:not"
    assert "lists 4 values" in refused.value.message


def test_escaped_commas_are_not_separators_and_lists_of_types_are_exempt() -> None:
    check_parameters([("name", r"a\,b\,c\,d")], max_params=10, max_values=1)
    check_parameters([("_type", "A,B,C,D"), ("_elements", "a,b,c,d")], 10, max_values=2)


def test_form_values_are_not_or_lists_outside_fhir() -> None:
    check_parameters([("password", "a,b,c,d,e")], max_params=10, max_values=None)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["name", "_id", "code", "x"]), st.text(alphabet="ab,;&=%2C", max_size=8)
        ),
        max_size=8,
    )
)
def test_the_quick_query_check_never_lets_a_refusal_through(params: list[tuple[str, str]]) -> None:
    query = urlencode(params).encode()
    parsed = parse_qsl(query.decode(), keep_blank_values=True)
    try:
        check_parameters(parsed, max_params=3, max_values=2)
    except FhirError:
        assert query_string_may_exceed(query, 3, 2)
