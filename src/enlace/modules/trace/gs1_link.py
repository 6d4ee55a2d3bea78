"""GS1 Digital Link URIs for a pack: `https://<host>/01/{gtin}/10/{lot}/21/{serial}?17=YYMMDD`.

The path holds the key (01) and its qualifiers in the order 22, 10, 21; data attributes such as
(17) go in the query. A resolver may put its own path before `/01/`. In a path segment, every
character of set 82 other than letters, digits, "-", "." and "_" is percent-encoded
(GS1 Digital Link standard 1.2, URI syntax grammar); non-GS1 query parameters (e.g. linkType) are
ignored, as the standard requires.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from enlace.modules.trace.errors import Gs1Error
from enlace.modules.trace.gs1 import GS1Code, build_code

DEFAULT_RESOLVER = "https://id.gs1.org"
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._")
_SHORT_NAMES = {"gtin": "01", "cpv": "22", "lot": "10", "ser": "21", "exp": "17"}
_QUALIFIER_ORDER = ("22", "10", "21")
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def encode_value(value: str) -> str:
    return "".join(c if c in _UNRESERVED else f"%{ord(c):02X}" for c in value)


def decode_value(raw: str, where: str) -> str:
    if _PERCENT.search(raw):
        raise Gs1Error("bad-percent-encoding", f"{where}: {raw!r} has a malformed %-escape")
    decoded = _unquote(raw)
    if not decoded.isascii():
        raise Gs1Error("bad-character", f"{where}: {decoded!r} is not ASCII")
    return decoded


def _unquote(raw: str) -> str:
    parts = raw.split("%")
    out = [parts[0]]
    for part in parts[1:]:
        out.append(chr(int(part[:2], 16)) + part[2:])
    return "".join(out)


def digital_link(code: GS1Code, resolver: str = DEFAULT_RESOLVER) -> str:
    """The pack's Digital Link on `resolver` (scheme and host, optionally a path prefix)."""
    if code.extra:
        raise Gs1Error("unsupported-ai", "only (01), (10), (21) and (17) go into a Digital Link")
    uri = resolver.rstrip("/") + "/01/" + code.gtin
    if code.lot is not None:
        uri += "/10/" + encode_value(code.lot)
    if code.serial is not None:
        uri += "/21/" + encode_value(code.serial)
    if code.expiry is not None:
        uri += "?17=" + code.expiry
    return uri


def parse_digital_link(uri: str, *, reference_year: int | None = None) -> GS1Code:
    """A Digital Link back to the pack's code; GTIN-8/12/13 keys are widened to GTIN-14."""
    year = reference_year or date.today().year
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Gs1Error("bad-uri", f"{uri[:60]!r} is not an http(s) URI with a host")
    segments = parts.path.removesuffix("/").split("/")[1:]
    start = _key_position(segments)
    elements = _path_elements(segments[start:])
    elements += _query_elements(parts.query)
    return build_code(elements, year, "Digital Link")


def _key_position(segments: list[str]) -> int:
    """Where `/01/` starts: the GS1 part is the last 2, 4 or 6 segments, after any prefix."""
    for length in (6, 4, 2):
        at = len(segments) - length
        if at >= 0 and _SHORT_NAMES.get(segments[at], segments[at]) == "01":
            return at
    raise Gs1Error("missing-gtin", "a pack's Digital Link path ends in /01/{gtin}[/10/..][/21/..]")


def _path_elements(segments: list[str]) -> list[tuple[str, str, int]]:
    gtin = segments[1]
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        raise Gs1Error("bad-length", f"Digital Link path: {gtin!r} is not a GTIN-8/12/13/14")
    elements = [("01", gtin.zfill(14), 0)]
    rank = -1
    for pair in range(2, len(segments), 2):
        ai = _SHORT_NAMES.get(segments[pair], segments[pair])
        if ai not in _QUALIFIER_ORDER:
            raise Gs1Error("unsupported-ai", f"Digital Link path: /{segments[pair]}/ after a GTIN")
        if ai == "22":
            raise Gs1Error("unsupported-ai", "Digital Link path: (22) variants are not traced")
        if _QUALIFIER_ORDER.index(ai) <= rank:
            raise Gs1Error("qualifier-order", f"Digital Link path: ({ai}) is out of order")
        rank = _QUALIFIER_ORDER.index(ai)
        where = f"Digital Link path ({ai})"
        elements.append((ai, decode_value(segments[pair + 1], where), pair))
    return elements


def _query_elements(query: str) -> list[tuple[str, str, int]]:
    elements = []
    for position, pair in enumerate(query.split("&") if query else []):
        key, _, value = pair.partition("=")
        ai = _SHORT_NAMES.get(key, key)
        if ai == "17":
            elements.append(("17", decode_value(value, "Digital Link query (17)"), position))
        elif ai.isdigit():
            raise Gs1Error("unsupported-ai", f"Digital Link query: AI ({ai}) is not traced")
    return elements
