"""The syntax of `Reference.reference` values that Enlace accepts.

Accepted: relative `Type/id` and `Type/id/_history/vid` (known resource type, valid ids), absolute
http(s) URLs, `urn:uuid:<uuid>` and `urn:oid:<oid>` (transaction bundles), local `#id` and `#` (the
containing resource), and conditional references `Type?criteria`, which transactions resolve before
the resources are validated and stored.
"""

from __future__ import annotations

import re
from collections.abc import Container, Set

from enlace.fhir.primitives import describe

_ID = r"[A-Za-z0-9\-\.]{1,64}"
_RELATIVE = re.compile(rf"([A-Za-z]+)/{_ID}(/_history/{_ID})?", re.ASCII)
_CONDITIONAL = re.compile(r"([A-Za-z]+)\?\S+", re.ASCII)
_ABSOLUTE_URL = re.compile(r"https?://[^\s/?#]+\S*", re.ASCII)
_UUID_URN = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_OID_URN = re.compile(r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+")
_LOCAL = re.compile(rf"#({_ID})?", re.ASCII)

_EXPECTED = (
    "expected Type/id, Type/id/_history/vid, an absolute http(s) URL, urn:uuid:, urn:oid:, "
    "#id or Type?criteria"
)


def reference_problem(
    reference: str,
    resource_types: Container[str],
    target_types: Set[str] | None = None,
) -> str | None:
    """None when `reference` is acceptable, else why not. `target_types` None allows any type."""
    first = reference[:1]
    if first == "#":
        return None if _LOCAL.fullmatch(reference) else _malformed(reference)
    if first == "u":
        urn_ok = _UUID_URN.fullmatch(reference) or _OID_URN.fullmatch(reference)
        return None if urn_ok else _malformed(reference)
    if first == "h" and _ABSOLUTE_URL.fullmatch(reference):
        return None
    match = _RELATIVE.fullmatch(reference) or _CONDITIONAL.fullmatch(reference)
    if match is None:
        return _malformed(reference)
    resource_type = match.group(1)
    if resource_type not in resource_types:
        return f"Unknown resource type '{resource_type}' in reference {describe(reference)}"
    if target_types is not None and resource_type not in target_types:
        allowed = ", ".join(sorted(target_types))
        return f"A reference to a {resource_type} is not allowed here (allowed: {allowed})"
    return None


def _malformed(reference: str) -> str:
    return f"Invalid reference {describe(reference)}: {_EXPECTED}"


def local_id(reference: object, kind: str) -> str | None:
    """The id of a `{"reference": "Kind/id"}` to a resource of `kind` on this server, else None
    (another type, an absolute URL, a version, a conditional or a malformed id)."""
    text = reference.get("reference", "") if isinstance(reference, dict) else ""
    rid = str(text).removeprefix(f"{kind}/")
    if not str(text).startswith(f"{kind}/") or not re.fullmatch(_ID, rid, re.ASCII):
        return None
    return rid
