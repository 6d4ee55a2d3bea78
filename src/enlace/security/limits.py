"""Payload and query-cost limits: refuse a request whose shape would cost far more than its size.

A 10 MB body of `[{},{},...]` parses into 3.5 million dicts (650 ms and hundreds of MB in orjson);
a resource nested 130 levels deep made orjson's serializer fail with a 500, and one nested 500
levels deep exhausted Python's recursion limit. R4 resources never need more than a few dozen
levels, so the JSON shape is measured on the raw bytes *before* anything parses it.

How the bytes are measured, without a Python loop per character:
1. escape sequences (`\\"`, `\\\\`, `\\n`...) are dropped, so every remaining `"` opens or closes
   a string;
2. everything but `"{}[],` is deleted (`bytes.translate`), empty strings `""` go with one
   `replace`, and the few strings left (those holding brackets or commas) with a regex;
3. values are counted from commas and opening brackets (commas + containers + 1: an upper bound
   for one JSON text, one short per extra line of NDJSON);
4. depth: brackets become `(` and `)`; two `replace("()", "")` passes strip the leaves, then the
   runs of brackets left are walked. Repeating the pass until empty would cost one scan per
   level, 2.5 s for a 10 MB body nested five million deep.

Measured (bench/hardening.py): about 1.5 µs for a small Patient, 9 µs for a 3.4 KB resource,
1 ms for a 0.8 MB Synthea Bundle; hostile 10 MB bodies are refused in tens of milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from enlace.kernel import errors
from enlace.kernel.settings import Settings

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_RUNS = re.compile(rb"\(+|\)+")
_NOT_STRUCTURE = bytes(c for c in range(256) if c not in b'{}[],"')
_TO_PARENS = bytes.maketrans(b"{[}]", b"(())")
_OPEN = 40  # "("

# Parameters whose comma lists are not OR lists of search values, or are bounded elsewhere:
# `_type` and `_elements` name types and elements, `_include`/`_sort` have their own limits.
_NOT_OR_LISTS = frozenset(
    {"_type", "_elements", "_summary", "_sort", "_include", "_revinclude", "_count", "_total"}
)


def check_json_body(body: bytes, max_depth: int, max_values: int) -> None:
    """400 when the body nests deeper than `max_depth` or holds more than `max_values` values.

    The value count comes first: it is cheap, and it bounds the work of the depth walk, which
    only runs when there are more containers than levels allowed."""
    structure = _structure(body)
    containers = structure.count(b"{") + structure.count(b"[")
    values = structure.count(b",") + containers + 1
    if values > max_values:
        raise errors.error(
            400,
            "too-costly",
            f"The JSON body holds more than {max_values} values (about {values}); "
            "split it into smaller requests",
        )
    if (
        containers > max_depth
        and _depth(structure.translate(_TO_PARENS, b","), max_depth) > max_depth
    ):
        raise errors.error(
            400,
            "too-costly",
            f"The JSON body nests deeper than {max_depth} levels; "
            "FHIR resources never need that many",
        )


def json_values(body: bytes) -> int:
    """How many JSON values the text holds, counting one more for each empty object or array."""
    structure = _structure(body)
    return structure.count(b",") + structure.count(b"{") + structure.count(b"[") + 1


def json_depth(body: bytes, limit: int) -> int:
    """Nesting depth of objects and arrays in a JSON (or NDJSON) text: exact up to `limit`,
    and some value above it beyond. Malformed JSON gets an answer, never an exception."""
    return _depth(_structure(body).translate(_TO_PARENS, b","), limit)


def check_parameters(
    params: Iterable[tuple[str, str]], max_params: int, max_values: int | None
) -> None:
    """400 when a request has more than `max_params` parameters, or (`max_values` given, for
    FHIR searches) a parameter lists more than `max_values` OR values (`a,b,c`; `\\,` is a
    literal comma)."""
    for count, (name, value) in enumerate(params, start=1):
        if count > max_params:
            raise errors.error(
                400, "too-costly", f"At most {max_params} parameters are allowed in one request"
            )
        if max_values is not None and name.split(":", 1)[0] not in _NOT_OR_LISTS:
            listed = value.count(",") - value.count("\\,") + 1
            if listed > max_values:
                raise errors.error(
                    400,
                    "too-costly",
                    f"Parameter '{name}' lists {listed} values; at most {max_values} are allowed",
                    name,
                )


def check_no_nul(params: Iterable[tuple[str, str]]) -> None:
    """400 naming the first parameter whose name or value holds a NUL character: PostgreSQL
    text cannot store one, so a lookup by such a value would fail in the driver (a 500) instead
    of finding nothing. FHIR searches check their values themselves (search/conditions.py);
    this guards the other routes (OAuth, login and the pages' forms)."""
    for name, value in params:
        if "\x00" in name or "\x00" in value:
            shown = name.replace("\x00", "\\0")
            raise errors.bad_request(
                f"Parameter '{shown}': the value contains a NUL character", shown
            )


def has_nul(raw: bytes) -> bool:
    """Whether a raw query string or form body may carry a NUL (escaped or not)."""
    return b"%00" in raw or b"\x00" in raw


def query_string_may_exceed(query: bytes, max_params: int, max_values: int | None) -> bool:
    """False when the raw query string cannot break `check_parameters`' limits, so that the
    common request skips parsing it a second time (the FHIR adapter parses it too)."""
    if query.count(b"&") + 1 > max_params:
        return True
    if max_values is None:
        return False
    commas = query.count(b",") + query.count(b"%2C") + query.count(b"%2c")
    return commas + 1 > max_values


def uri_too_long(limit: int) -> errors.FhirError:
    return errors.error(
        414, "too-costly", f"The query string exceeds {limit} bytes; use POST [type]/_search"
    )


def body_too_large(limit: int) -> errors.FhirError:
    # Same words as the FHIR adapter's own check (entrypoints/http/fhir_asgi.py).
    return errors.error(413, "too-costly", f"The request body exceeds the limit of {limit} bytes")


@dataclass(frozen=True, slots=True)
class RequestLimits:
    """The limits the HTTP edge applies before a request reaches the application."""

    max_body_bytes: int
    max_json_depth: int
    max_json_values: int
    max_query_bytes: int
    max_params: int
    max_param_values: int

    @classmethod
    def from_settings(cls, settings: Settings) -> RequestLimits:
        return cls(
            settings.max_body_bytes,
            settings.max_json_depth,
            settings.max_json_elements,
            settings.max_query_bytes,
            settings.max_search_params,
            settings.max_param_values,
        )


def _structure(body: bytes) -> bytes:
    """Only the brackets and commas that are JSON structure (none from inside strings)."""
    if b"\\" in body:
        body = _ESCAPE.sub(b"", body)
    # What stays between two adjacent quotes is either an empty string or a ':' (deleted):
    # removing the pair never removes structure, whichever way the quotes pair up.
    reduced = body.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in reduced:
        reduced = _STRING.sub(b"", reduced)
    return reduced


def _depth(parens: bytes, limit: int) -> int:
    """Maximum nesting of a string of `(` and `)`; any value above `limit` means "too deep"."""
    if b"(" * (limit + 1) in parens:
        return limit + 1
    stripped = 0
    for _ in range(2):  # each pass removes the leaves: every remaining depth drops by one
        shorter = parens.replace(b"()", b"")
        if len(shorter) == len(parens):
            break
        parens, stripped = shorter, stripped + 1
    depth = deepest = 0
    for run in _RUNS.findall(parens):
        if run[0] == _OPEN:
            depth += len(run)
            if depth + stripped > limit:
                return depth + stripped
            deepest = max(deepest, depth)
        else:
            depth -= len(run)
    return deepest + stripped
