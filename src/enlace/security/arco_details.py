"""What an ARCO request must say, per right, checked when it is filed.

- access: nothing more (the answer is a complete copy of the record);
- rectification: `what` is wrong and the `correction` asked for, optionally the `resources`
  (`Type/id`) that hold it;
- cancellation: `scope` "all" (the whole record) or the `resources` to cancel, not both;
- opposition: the `purpose` opposed (v3-ActReason: HMARKT marketing, HRESCH research, ...) and/or
  an `actor` (`Organization/...`, `Practitioner/...`) that must no longer receive the data.
Every kind may add the titular's `reason`. Unknown keys are refused, so a typo is not lost.
"""

from __future__ import annotations

import re
from typing import Any

from enlace.kernel import errors

KINDS = ("access", "rectification", "cancellation", "opposition")
MAX_TEXT = 4000
MAX_RESOURCES = 1000
# Purposes a patient may oppose. Treatment (TREAT) and the network's own operation (HOPERAT)
# are the primary purposes: stopping them is a cancellation, not an opposition.
OPPOSABLE_PURPOSES = {
    "HMARKT": "mercadotecnia y publicidad",
    "HRESCH": "investigación",
    "HPAYMT": "cobro y pago a aseguradoras",
    "PUBHLTH": "salud pública",
}
ACTOR_TYPES = ("Organization", "Practitioner", "PractitionerRole")
_REFERENCE = re.compile(r"^([A-Z][A-Za-z]{1,63})/([A-Za-z0-9\-.]{1,64})$")
_ALLOWED = {
    "access": {"reason"},
    "rectification": {"what", "correction", "resources", "reason"},
    "cancellation": {"scope", "resources", "reason"},
    "opposition": {"purpose", "actor", "reason"},
}


def validate(kind: str, details: Any) -> dict[str, Any]:
    """The request's details, normalized; a 400 naming the first problem and where it is."""
    if kind not in KINDS:
        raise errors.bad_request(
            f"Unknown ARCO right '{kind}'; it is one of {', '.join(KINDS)}", "kind", "code-invalid"
        )
    if details is None:
        details = {}
    if not isinstance(details, dict):
        raise errors.bad_request("details must be an object of named values", "details")
    unknown = sorted(set(details) - _ALLOWED[kind])
    if unknown:
        raise errors.bad_request(
            f"A {kind} request does not take {', '.join(unknown)}; it takes "
            f"{', '.join(sorted(_ALLOWED[kind]))}",
            f"details.{unknown[0]}",
        )
    checked: dict[str, Any] = {}
    if "reason" in details:
        checked["reason"] = _text(details, "reason")
    checked.update(_BY_KIND[kind](details))
    return checked


def parse_reference(
    value: str, where: str, types: tuple[str, ...] | None = None
) -> tuple[str, str]:
    match = _REFERENCE.match(value.strip()) if isinstance(value, str) else None
    if match is None or (types is not None and match.group(1) not in types):
        wanted = " or ".join(f"{t}/id" for t in types) if types else "Type/id"
        raise errors.bad_request(f"{where}: '{value}' is not a reference {wanted}", where)
    return match.group(1), match.group(2)


def _access(details: dict[str, Any]) -> dict[str, Any]:
    return {}


def _rectification(details: dict[str, Any]) -> dict[str, Any]:
    checked: dict[str, Any] = {
        "what": _text(details, "what", required="what is wrong"),
        "correction": _text(details, "correction", required="the correction"),
    }
    if "resources" in details:
        checked["resources"] = _references(details)
    return checked


def _cancellation(details: dict[str, Any]) -> dict[str, Any]:
    has_scope, has_list = "scope" in details, "resources" in details
    if has_scope == has_list:
        raise errors.bad_request(
            "A cancellation names what to cancel: scope 'all' (the whole record) or the "
            "resources (Type/id), one of the two",
            "details.scope",
            "required",
        )
    if has_scope:
        if details["scope"] != "all":
            raise errors.bad_request(
                f"details.scope: '{details['scope']}' is not 'all'", "details.scope"
            )
        return {"scope": "all"}
    return {"resources": _references(details)}


def _opposition(details: dict[str, Any]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    purpose = details.get("purpose")
    if purpose is not None:
        if purpose not in OPPOSABLE_PURPOSES:
            raise errors.bad_request(
                f"details.purpose: '{purpose}' cannot be opposed; the purposes are "
                f"{', '.join(OPPOSABLE_PURPOSES)} (treatment and the network's operation are "
                "stopped by a cancellation)",
                "details.purpose",
                "code-invalid",
            )
        checked["purpose"] = purpose
    actor = details.get("actor")
    if actor is not None:
        kind, actor_id = parse_reference(actor, "details.actor", ACTOR_TYPES)
        checked["actor"] = f"{kind}/{actor_id}"
    if not checked:
        raise errors.bad_request(
            "An opposition names the purpose opposed (e.g. HMARKT, HRESCH) or the actor "
            "(Organization/id) that must no longer receive the data",
            "details.purpose",
            "required",
        )
    return checked


_BY_KIND = {
    "access": _access,
    "rectification": _rectification,
    "cancellation": _cancellation,
    "opposition": _opposition,
}


def _text(details: dict[str, Any], key: str, required: str | None = None) -> str:
    value = details.get(key)
    if value is None and required is None:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise errors.bad_request(
            f"details.{key}: the request must state {required or key} (text)",
            f"details.{key}",
            "required",
        )
    if len(value) > MAX_TEXT:
        raise errors.bad_request(
            f"details.{key}: at most {MAX_TEXT} characters, not {len(value)}", f"details.{key}"
        )
    return value.strip()


def _references(details: dict[str, Any]) -> list[str]:
    values = details.get("resources")
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not values:
        raise errors.bad_request(
            "details.resources: a list of one or more references (Type/id)", "details.resources"
        )
    if len(values) > MAX_RESOURCES:
        raise errors.bad_request(
            f"details.resources: at most {MAX_RESOURCES} references per request",
            "details.resources",
        )
    found: list[str] = []
    for index, value in enumerate(values):
        resource_type, resource_id = parse_reference(value, f"details.resources[{index}]")
        reference = f"{resource_type}/{resource_id}"
        if reference not in found:
            found.append(reference)
    return found
