"""EPC identifiers in one canonical form: the constrained canonical GS1 Digital Link.

EPCIS lets a partner name the same pack as an EPC URN (`urn:epc:id:sgtin:4012345.011111.9876`) or
as a Digital Link on any resolver (`https://id.example/01/04012345111118/21/9876?17=271100`).
The event hash (CBV 2.0 §8.9) and our own tables need one spelling, so both become
`https://id.gs1.org/<key>/<value>[/<qualifier>/<value>]`: the GS1 host, no query, and only the
finest-grained key qualifiers (01/21, 01/10, 01/235, 414/254, 8006/21, 8006/10, 8010/8011).

EPC URN layouts: GS1 EPC Tag Data Standard 2.x §6.3; the partition of company prefix and
reference is kept from the URN, the indicator/extension digit moves to the front, and the GS1
check digit is recomputed. A value that is not an EPC URN or a Digital Link is returned as is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from enlace.modules.catalog import gs1_check_digit
from enlace.modules.trace.gs1_link import encode_value

GS1_HOST = "https://id.gs1.org"
_URN_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# Primary keys a Digital Link path may start with, and the qualifiers kept after each (finest
# first): CBV 2.0 §8.9 rule 17.
_KEEP = {
    "00": (),
    "01": (("21",), ("10",), ("235",)),
    "253": (),
    "255": (),
    "401": (),
    "402": (),
    "414": (("254",),),
    "417": (),
    "8003": (),
    "8004": (),
    "8006": (("21",), ("10",)),
    "8010": (("8011",),),
    "8017": (),
    "8018": (),
}
_SHORT = {"gtin": "01", "lot": "10", "ser": "21", "cpv": "22", "sscc": "00", "gln": "414"}
_GTIN_LIKE = {"01", "8006"}
_PACK = re.compile(r"https://id\.gs1\.org/01/\d{14}/21/[^/?#]+")
_ALREADY_CANONICAL = re.compile(
    r"https://id\.gs1\.org/(?:01/\d{14}(?:/21/[A-Za-z0-9._'-]+)?|00/\d{18}|414/\d{13})"
)  # GTIN-8/12/13 in a path are widened to 14 digits


def _check(body: str) -> str:
    return body + str(gs1_check_digit(body))


def _unescape(value: str) -> str:
    return _URN_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


def _encode(value: str) -> str:
    """A URN component as a Digital Link path value; "'" stays literal as in the hash vectors."""
    return encode_value(_unescape(value)).replace("%27", "'")


def _gtin(company: str, item: str) -> str:
    return _check(item[:1] + company + item[1:])


def _sgtin(p: list[str]) -> str:
    return f"01/{_gtin(p[0], p[1])}/21/{_encode(p[2])}"


def _sscc(p: list[str]) -> str:
    return "00/" + _check(p[1][:1] + p[0] + p[1][1:])


def _sgln(p: list[str]) -> str:
    gln = _check(p[0] + p[1])
    # Extension "0" means the location itself, no sub-location (TDS §6.3.3).
    if len(p) > 2 and p[2] != "0":
        return f"414/{gln}/254/{_encode(p[2])}"
    return f"414/{gln}"


def _grai(p: list[str]) -> str:
    return f"8003/0{_check(p[0] + p[1])}{_encode(p[2])}"


def _gdti(p: list[str]) -> str:
    return f"253/{_check(p[0] + p[1])}{_encode(p[2])}"


def _sgcn(p: list[str]) -> str:
    return f"255/{_check(p[0] + p[1])}{p[2]}"


def _cpi(p: list[str]) -> str:
    return f"8010/{_encode(p[0] + p[1])}/8011/{p[2]}"


def _itip(p: list[str]) -> str:
    return f"8006/{_gtin(p[0], p[1])}{p[2]}{p[3]}/21/{_encode(p[4])}"


def _upui(p: list[str]) -> str:
    return f"01/{_gtin(p[0], p[1])}/235/{_encode(p[2])}"


def _lgtin(p: list[str]) -> str:
    return f"01/{_gtin(p[0], p[1])}/10/{_encode(p[2])}"


def _plain(ai: str, check: bool) -> Callable[[list[str]], str]:
    def convert(p: list[str]) -> str:
        body = p[0] + p[1]
        return f"{ai}/{_check(body) if check else _encode(body)}"

    return convert


_ID_SCHEMES: dict[str, tuple[int, Callable[[list[str]], str]]] = {
    "sgtin": (3, _sgtin),
    "sscc": (2, _sscc),
    "sgln": (3, _sgln),
    "grai": (3, _grai),
    "giai": (2, _plain("8004", check=False)),
    "gsrn": (2, _plain("8018", check=True)),
    "gsrnp": (2, _plain("8017", check=True)),
    "gdti": (3, _gdti),
    "sgcn": (3, _sgcn),
    "ginc": (2, _plain("401", check=False)),
    "gsin": (2, _plain("402", check=True)),
    "pgln": (2, _plain("417", check=True)),
    "cpi": (3, _cpi),
    "itip": (5, _itip),
    "upui": (3, _upui),
}


def _from_urn(value: str) -> str | None:
    if value.startswith("urn:epc:id:"):
        scheme, _, rest = value[11:].partition(":")
        entry = _ID_SCHEMES.get(scheme)
    elif value.startswith("urn:epc:class:lgtin:"):
        scheme, rest, entry = "lgtin", value[20:], (3, _lgtin)
    elif value.startswith("urn:epc:idpat:sgtin:"):
        # A pattern over every serial of one product: the class is the GTIN alone.
        parts = value[20:].split(".")
        if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():
            return f"{GS1_HOST}/01/{_gtin(parts[0], parts[1])}"
        return None
    else:
        return None
    if entry is None:
        return None
    arity, convert = entry
    parts = rest.split(".", arity - 1)
    if len(parts) != arity or not parts[0].isdigit():
        return None
    try:
        return f"{GS1_HOST}/{convert(parts)}"
    except ValueError:  # a non-digit where the check digit needs digits
        return None


def _from_digital_link(value: str) -> str | None:
    parts = urlsplit(value)
    segments = [s for s in parts.path.split("/") if s]
    for start, raw in enumerate(segments):
        key = _SHORT.get(raw, raw)
        if key in _KEEP and start + 1 < len(segments):
            pairs = _pairs(segments[start:])
            if pairs is not None:
                return _canonical(key, pairs)
    return None


def _pairs(segments: list[str]) -> dict[str, str] | None:
    if len(segments) % 2:
        return None
    pairs = {
        _SHORT.get(segments[i], segments[i]): segments[i + 1] for i in range(0, len(segments), 2)
    }
    return pairs if all(k.isdigit() for k in pairs) else None


def _canonical(key: str, pairs: dict[str, str]) -> str | None:
    value = _encode(pairs[key])
    if key in _GTIN_LIKE and value[:14].isdigit() and len(value) in (8, 12, 13):
        value = value.zfill(14)
    uri = f"{GS1_HOST}/{key}/{value}"
    for qualifiers in _KEEP[key]:
        if all(q in pairs for q in qualifiers):
            # Re-encoded, so a URN and a Digital Link of one pack give one string.
            return uri + "".join(f"/{q}/{_encode(pairs[q])}" for q in qualifiers)
    return uri


@lru_cache(maxsize=1 << 16)  # EPCs and locations recur across events
def canonical_epc(value: str) -> str:
    """The constrained canonical Digital Link of an EPC URN or a Digital Link; else `value`."""
    if _ALREADY_CANONICAL.fullmatch(value):
        return value  # the common case, at a tenth of the cost of taking it apart
    if value.startswith("urn:epc:"):
        return _from_urn(value) or value
    if value.startswith(("https://", "http://")):
        return _from_digital_link(value) or value
    return value


def is_pack_epc(value: str) -> bool:
    """A canonical EPC naming one serialized trade item (GTIN + serial)."""
    return _PACK.fullmatch(value) is not None
