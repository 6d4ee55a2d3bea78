"""A Subscription resource (R4 with the topic-based backport) read into what delivery needs,
and the checks a Subscription must pass before it is stored (each problem named with its
FHIRPath location, the API answers 400 with all of them).

Backport IG: http://hl7.org/fhir/uv/subscriptions-backport/ — `Subscription.criteria` holds the
topic's canonical URL, `_criteria` the `backport-filter-criteria` extensions, `channel._payload`
the `backport-payload-content` (empty | id-only | full-resource), `channel.extension` the
`backport-heartbeat-period`, `backport-timeout` and `backport-max-count`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from enlace.kernel.errors import Issue

from . import endpoints
from .topics import Topic, parse_filter, topic

BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition"
FILTER_CRITERIA = f"{BACKPORT}/backport-filter-criteria"
PAYLOAD_CONTENT = f"{BACKPORT}/backport-payload-content"
HEARTBEAT = f"{BACKPORT}/backport-heartbeat-period"
TIMEOUT = f"{BACKPORT}/backport-timeout"
MAX_COUNT = f"{BACKPORT}/backport-max-count"
PROFILE = f"{BACKPORT}/backport-subscription"
CONTENTS = ("empty", "id-only", "full-resource")
STATUSES = ("requested", "active", "error", "off")
DEFAULT_TIMEOUT_S = 10
DEFAULT_MAX_COUNT = 20


@dataclass(frozen=True)
class Spec:
    id: str
    status: str
    topic: Topic
    filters: dict[str, str]
    endpoint: str
    headers: dict[str, str]
    content: str
    heartbeat_s: int | None
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_count: int = DEFAULT_MAX_COUNT
    extra: dict[str, Any] = field(default_factory=dict)


def check(resource: dict[str, Any], allow_http: bool) -> list[Issue]:
    """Every problem of a Subscription for this server (empty when it can be stored)."""
    issues: list[Issue] = []
    status = resource.get("status")
    if status not in STATUSES:
        issues.append(_issue(f"status must be one of {', '.join(STATUSES)}", "status"))
    chosen = topic(str(resource.get("criteria", "")))
    if chosen is None:
        issues.append(
            _issue(
                f"Unknown subscription topic '{resource.get('criteria')}': criteria must be the "
                "canonical URL of a topic this server offers (see CapabilityStatement)",
                "Subscription.criteria",
                "not-supported",
            )
        )
    else:
        issues += _check_filters(resource, chosen)
    issues += _check_channel(resource.get("channel") or {}, allow_http)
    return issues


def _check_filters(resource: dict[str, Any], chosen: Topic) -> list[Issue]:
    issues = []
    for index, text in enumerate(_extension_values(resource.get("_criteria"), FILTER_CRITERIA)):
        where = f"Subscription.criteria.extension[{index}]"
        resource_type, pairs = parse_filter(str(text))
        if resource_type != chosen.resource_type:
            issues.append(_issue(f"filter must start with '{chosen.resource_type}?'", where))
        for name in pairs:
            if name not in chosen.filters:
                offered = ", ".join(sorted(chosen.filters)) or "none"
                issues.append(
                    _issue(f"topic does not filter by '{name}' (it offers: {offered})", where)
                )
    return issues


def _check_channel(channel: dict[str, Any], allow_http: bool) -> list[Issue]:
    issues = []
    if channel.get("type") != "rest-hook":
        issues.append(
            _issue(
                f"channel type '{channel.get('type')}' is not supported: only rest-hook",
                "Subscription.channel.type",
                "not-supported",
            )
        )
    endpoint = str(channel.get("endpoint", ""))
    parts = urlsplit(endpoint)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname or parts.netloc.endswith(":"):
        need = "an http(s)" if allow_http else "an https"
        issues.append(
            _issue(
                f"channel endpoint must be {need} URL with a host, got '{endpoint}'",
                "Subscription.channel.endpoint",
            )
        )
    elif not allow_http and (inward := endpoints.literal_problem(endpoint)):
        issues.append(
            _issue(
                f"channel endpoint must not point into the platform's network: {inward}",
                "Subscription.channel.endpoint",
                "security",
            )
        )
    payload = channel.get("payload", "application/fhir+json")
    if payload not in ("application/fhir+json", "application/json"):
        issues.append(
            _issue("channel payload must be application/fhir+json", "Subscription.channel.payload")
        )
    content = _content(channel)
    if content not in CONTENTS:
        issues.append(
            _issue(
                f"payload content must be one of {', '.join(CONTENTS)}",
                "Subscription.channel.payload.extension",
            )
        )
    for url, name in (
        (HEARTBEAT, "heartbeat-period"),
        (TIMEOUT, "timeout"),
        (MAX_COUNT, "max-count"),
    ):
        for value in _extension_values(channel, url):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                issues.append(
                    _issue(f"{name} must be a positive integer", "Subscription.channel.extension")
                )
    for index, header in enumerate(channel.get("header") or []):
        if ":" not in str(header):
            issues.append(
                _issue("a header is 'Name: value'", f"Subscription.channel.header[{index}]")
            )
    return issues


def read_spec(resource: dict[str, Any]) -> Spec | None:
    """The delivery view of a stored Subscription (None if its topic is no longer offered, or
    it was stored before these checks and cannot be read: one bad Subscription must not stop
    the delivery of all the others)."""
    chosen = topic(str(resource.get("criteria", "")))
    if chosen is None:
        return None
    try:
        return _spec(resource, chosen)
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


def _spec(resource: dict[str, Any], chosen: Topic) -> Spec:
    channel = resource.get("channel") or {}
    filters: dict[str, str] = {}
    for text in _extension_values(resource.get("_criteria"), FILTER_CRITERIA):
        filters.update(parse_filter(str(text))[1])
    extensions = channel  # the backport puts heartbeat, timeout and max-count on channel
    heartbeat = _first(_extension_values(extensions, HEARTBEAT))
    timeout = _first(_extension_values(extensions, TIMEOUT))
    max_count = _first(_extension_values(extensions, MAX_COUNT))
    headers = {}
    for header in channel.get("header") or []:
        name, _, value = str(header).partition(":")
        headers[name.strip()] = value.strip()
    return Spec(
        id=resource["id"],
        status=resource.get("status", "requested"),
        topic=chosen,
        filters=filters,
        endpoint=channel.get("endpoint", ""),
        headers=headers,
        content=_content(channel),
        heartbeat_s=int(heartbeat) if heartbeat else None,
        timeout_s=float(timeout) if timeout else DEFAULT_TIMEOUT_S,
        max_count=int(max_count) if max_count else DEFAULT_MAX_COUNT,
    )


def _content(channel: dict[str, Any]) -> str:
    found = _first(_extension_values(channel.get("_payload"), PAYLOAD_CONTENT))
    return str(found) if found is not None else "id-only"


def _extension_values(element: Any, url: str) -> list[Any]:
    if not isinstance(element, dict):
        return []
    values = []
    for extension in element.get("extension") or []:
        if isinstance(extension, dict) and extension.get("url") == url:
            values += [v for k, v in extension.items() if k.startswith("value")]
    return values


def _first(values: list[Any]) -> Any:
    return values[0] if values else None


def _issue(diagnostics: str, expression: str, code: str = "value") -> Issue:
    return Issue(code, diagnostics, expression)
