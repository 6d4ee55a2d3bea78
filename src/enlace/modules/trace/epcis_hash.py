"""The GS1 EPCIS event hash: a canonical pre-hash string, SHA-256, `ni:///sha-256;<hex>?ver=CBV2.0`.

CBV 2.0 §8.9 ("EPCIS Event Hash ID"). The pre-hash string concatenates `key=value` pairs with no
separator: the event type, then the standard fields in the canonical property order, then the
remaining fields (business transactions, sources, destinations, ILMD, user extensions), each
rendered on its own and the group sorted. Values are normalised so every serialisation of one
event gives one string: timestamps in UTC with milliseconds (half-up), CBV terms as Web URIs,
EPC URNs and Digital Links as constrained canonical Digital Links, CURIEs expanded, extension keys
as `{namespace}localName`, every list sorted.

Where the written rules and the reference implementation (RalphTro/epcis-event-hash-generator)
differ, the published vectors decide, so the hashes interoperate: `certificationInfo` follows
`eventTimeZoneOffset`, `parentID` precedes `epcList`, a typed list entry is `type=` then the value,
and the lists after `sensorElementList` are sorted as strings. Numbers are canonical only when
they are JSON numbers (a lot "007" stays "007"); booleans are `true`/`false` (XML lexical form).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from enlace.modules.trace.epcis_ids import canonical_epc
from enlace.modules.trace.epcis_vocab import (
    BIZ_STEP,
    BIZ_TRANSACTION_TYPE,
    COMPONENT,
    DISPOSITION,
    SOURCE_DEST_TYPE,
    gs1_voc_uri,
)

Namespaces = Mapping[str, str]
# Prefixes the standard EPCIS 2.0 JSON-LD context declares; a document may add its own.
STANDARD_NAMESPACES = {
    "epcis": "https://ref.gs1.org/epcis/",
    "cbv": "https://ref.gs1.org/cbv/",
    "cbvmda": "urn:epcglobal:cbv:mda:",
    "gs1": "https://gs1.org/voc/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}
IGNORED = frozenset(
    ("type", "eventID", "recordTime", "errorDeclaration", "@context", "comment", "rdfs:comment")
)
_CBV_URNS = (
    ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
    ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
    ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
    ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
    ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"),
)
TIMESTAMP = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)\Z")


def utc_millis(value: str) -> str:
    """An xsd:dateTimeStamp in UTC at millisecond precision, the fourth decimal rounding half up."""
    match = TIMESTAMP.match(value.strip())
    if match is None:
        return value.strip()
    base, fraction, zone = match.groups()
    fraction = fraction or ""
    millis = int(fraction[:3].ljust(3, "0")) + (len(fraction) > 3 and fraction[3] >= "5")
    moment = datetime.fromisoformat(base + ("+00:00" if zone == "Z" else zone))
    moment = (moment + timedelta(milliseconds=millis)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def number(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text(value: Any, ns: Namespaces) -> str:
    """Any scalar in canonical form."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number(value)
    value = str(value).strip()
    for urn, web in _CBV_URNS:
        if value.startswith(urn):
            return web + value[len(urn) :]
    canonical = canonical_epc(value)
    if canonical is not value:
        return canonical
    prefix, colon, rest = value.partition(":")
    if colon and prefix in ns and not rest.startswith("//"):
        return ns[prefix] + rest
    return value


def key_name(key: str, ns: Namespaces) -> str:
    prefix, colon, local = key.partition(":")
    if colon and prefix in ns:
        return "{" + ns[prefix] + "}" + local
    return key


def generic(key: str, value: Any, ns: Namespaces) -> list[str]:
    """A field outside the fixed order: key, `=value` if a scalar, its children sorted."""
    name = key_name(key, ns)
    if isinstance(value, list):
        return [s for item in value for s in generic(key, item, ns)]
    if isinstance(value, dict):
        children = sorted(
            s
            for k, v in value.items()
            if k not in IGNORED or k == "type"
            for s in generic(k, v, ns)
        )
        return [name + "".join(children)]
    rendered = text(value, ns)
    return [name + "=" + rendered if rendered else name]


def _pair(key: str, value: str) -> str:
    return f"{key}={value}" if value else ""


def _epc_list(key: str, value: list[Any], ns: Namespaces) -> str:
    return key + "".join(sorted("epc=" + text(epc, ns) for epc in value)) if value else ""


def _quantity_list(key: str, value: list[dict[str, Any]], ns: Namespaces) -> str:
    def element(q: dict[str, Any]) -> str:
        fields = (
            ("epcClass", q.get("epcClass")),
            ("quantity", q.get("quantity")),
            ("uom", q.get("uom")),
        )
        return "quantityElement" + "".join(
            _pair(k, text(v, ns)) for k, v in fields if v is not None
        )

    return key + "".join(sorted(element(q) for q in value)) if value else ""


def _location(key: str, value: dict[str, Any], ns: Namespaces) -> str:
    rest = sorted(s for k, v in value.items() if k != "id" for s in generic(k, v, ns))
    return key + _pair("id", text(value.get("id", ""), ns)) + "".join(rest)


def _persistent(key: str, value: dict[str, Any], ns: Namespaces) -> str:
    parts = [
        "".join(sorted(f"{side}={DISPOSITION.web_uri(text(d, ns))}" for d in value.get(side, [])))
        for side in ("set", "unset")
    ]
    return key + "".join(parts)


def _ordered(
    value: dict[str, Any], order: Iterable[tuple[str, Callable[[Any], str]]], ns: Namespaces
) -> str:
    """Fields in a fixed order, then any others (extensions) sorted, as CBV 2.0 rule 19 wants."""
    known = dict(order)
    head = "".join(_pair(k, known[k](value[k])) for k in known if k in value)
    rest = sorted(s for k, v in value.items() if k not in known for s in generic(k, v, ns))
    return head + "".join(rest)


def _sensor_element(element: dict[str, Any], ns: Namespaces) -> str:
    plain = lambda v: text(v, ns)  # noqa: E731
    when = lambda v: utc_millis(str(v))  # noqa: E731
    meta_order = [("time", when), ("startTime", when), ("endTime", when)] + [
        (k, plain)
        for k in ("deviceID", "deviceMetadata", "rawData", "dataProcessingMethod", "bizRules")
    ]
    report_order: list[tuple[str, Callable[[Any], str]]] = [
        ("type", lambda v: gs1_voc_uri(str(v))),
        ("exception", lambda v: gs1_voc_uri(str(v))),
        *((k, plain) for k in ("deviceID", "deviceMetadata", "rawData", "dataProcessingMethod")),
        ("time", when),
        *((k, plain) for k in ("microorganism", "chemicalSubstance", "value")),
        ("component", lambda v: COMPONENT.web_uri(str(v))),
        *((k, plain) for k in SENSOR_REPORT_TAIL),
    ]
    out = "sensorElement"
    if "sensorMetadata" in element:
        out += "sensorMetadata" + _ordered(element["sensorMetadata"], meta_order, ns)
    reports = sorted(
        "sensorReport" + _ordered(r, report_order, ns) for r in element.get("sensorReport", [])
    )
    rest = sorted(
        s
        for k, v in element.items()
        if k not in ("sensorMetadata", "sensorReport")
        for s in generic(k, v, ns)
    )
    return out + "".join(reports) + "".join(rest)


SENSOR_REPORT_TAIL = (
    "stringValue",
    "booleanValue",
    "hexBinaryValue",
    "uriValue",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "percRank",
    "percValue",
    "uom",
    "coordinateReferenceSystem",
)


def _sensor_list(key: str, value: list[dict[str, Any]], ns: Namespaces) -> str:
    return key + "".join(sorted(_sensor_element(e, ns) for e in value)) if value else ""


def _typed_list(field: str, vocab: Any) -> Callable[[str, list[dict[str, Any]], Namespaces], str]:
    def render(key: str, value: list[dict[str, Any]], ns: Namespaces) -> str:
        def entry(e: dict[str, Any]) -> str:
            kind = _pair("type", vocab.web_uri(text(e["type"], ns))) if "type" in e else ""
            return kind + _pair(field, text(e.get(field, ""), ns))

        return key + "".join(sorted(entry(e) for e in value)) if value else ""

    return render


def _scalar(key: str, value: Any, ns: Namespaces) -> str:
    values = value if isinstance(value, list) else [value]
    return "".join(sorted(_pair(key, text(v, ns)) for v in values))


def _vocab(vocab: Any) -> Callable[[str, Any, Namespaces], str]:
    return lambda key, value, ns: _pair(key, vocab.web_uri(text(value, ns)))


def _time(key: str, value: Any, ns: Namespaces) -> str:
    return _pair(key, utc_millis(str(value)))


def _ilmd(key: str, value: dict[str, Any], ns: Namespaces) -> str:
    return key + "".join(sorted(s for k, v in value.items() for s in generic(k, v, ns)))


Renderer = Callable[[str, Any, Namespaces], str]
# The canonical property order (CBV 2.0 §8.9.2, as the reference vectors apply it).
ORDER: tuple[tuple[str, Renderer], ...] = (
    ("eventTime", _time),
    ("eventTimeZoneOffset", _scalar),
    ("certificationInfo", _scalar),
    ("parentID", _scalar),
    ("epcList", _epc_list),
    ("inputEPCList", _epc_list),
    ("childEPCs", _epc_list),
    ("quantityList", _quantity_list),
    ("childQuantityList", _quantity_list),
    ("inputQuantityList", _quantity_list),
    ("outputEPCList", _epc_list),
    ("outputQuantityList", _quantity_list),
    ("action", _scalar),
    ("transformationID", _scalar),
    ("bizStep", _vocab(BIZ_STEP)),
    ("disposition", _vocab(DISPOSITION)),
    ("persistentDisposition", _persistent),
    ("readPoint", _location),
    ("bizLocation", _location),
    ("sensorElementList", _sensor_list),
)
_ORDERED = frozenset(name for name, _ in ORDER)
# Rendered after the ordered fields, each on its own, the group sorted as strings.
TAIL: dict[str, Renderer] = {
    "bizTransactionList": _typed_list("bizTransaction", BIZ_TRANSACTION_TYPE),
    "sourceList": _typed_list("source", SOURCE_DEST_TYPE),
    "destinationList": _typed_list("destination", SOURCE_DEST_TYPE),
    "ilmd": _ilmd,
}


def namespaces(*contexts: Any) -> dict[str, str]:
    """The prefix → IRI map of JSON-LD `@context` values (strings name remote contexts: skipped)."""
    found = dict(STANDARD_NAMESPACES)
    for context in contexts:
        items = context if isinstance(context, list) else [context]
        for item in items:
            if isinstance(item, dict):
                found.update({k: v for k, v in item.items() if isinstance(v, str)})
    return found


def prehash(event: Mapping[str, Any], ns: Namespaces) -> str:
    """The canonical pre-hash string of one event (`ns`: the document's prefixes)."""
    if "@context" in event:
        ns = {**ns, **namespaces(event["@context"])}
    head = "eventType=" + str(event.get("type", ""))
    ordered = "".join(render(k, event[k], ns) for k, render in ORDER if k in event)
    tail: list[str] = []
    for key, value in event.items():
        if key in IGNORED or key in _ORDERED:
            continue
        if key in TAIL:
            rendered = TAIL[key](key, value, ns)
            tail.extend([rendered] if rendered else [])
        else:
            tail.extend(generic(key, value, ns))
    return head + ordered + "".join(sorted(tail))


def hash_prehash(pre: str) -> str:
    return "ni:///sha-256;" + hashlib.sha256(pre.encode("utf-8")).hexdigest() + "?ver=CBV2.0"


def event_hash(event: Mapping[str, Any], ns: Namespaces) -> str:
    return hash_prehash(prehash(event, ns))
