"""SMART on FHIR scopes: parsing (v2 `.cruds` and v1 `.read`/`.write`) and what they grant.

Spec: https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html. A resource scope is
`<context>/<type>.<permissions>[?<query>]`: context `patient` (the launch patient's compartment),
`user` (what the user may see) or `system` (a backend service); permissions in the order c r u d s;
the query narrows the grant to resources matching those search parameters. Other scopes (`openid`,
`fhirUser`, `launch/patient`, `offline_access`) are kept as plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from enlace.kernel import errors

CONTEXTS = ("patient", "user", "system")
PERMISSIONS = "cruds"
V1_PERMISSIONS = {"read": "rs", "write": "cud", "*": "cruds"}
Narrowing = tuple[tuple[str, str], ...]  # search parameters, sorted; () = no narrowing


@dataclass(frozen=True)
class Scope:
    context: str
    resource_type: str  # or "*"
    permissions: frozenset[str]
    narrowing: Narrowing = ()

    def covers_type(self, resource_type: str) -> bool:
        return self.resource_type in ("*", resource_type)

    def text(self) -> str:
        letters = "".join(p for p in PERMISSIONS if p in self.permissions)
        query = f"?{urlencode(self.narrowing, safe='/:|,')}" if self.narrowing else ""
        return f"{self.context}/{self.resource_type}.{letters}{query}"

    def intersect(self, ceiling: Scope) -> Scope | None:
        """What this requested scope keeps under a ceiling: common context, type and permissions,
        and both narrowings (a resource must match each)."""
        if ceiling.context != self.context:
            return None
        if ceiling.resource_type == "*":
            resource_type = self.resource_type
        elif self.resource_type in ("*", ceiling.resource_type):
            resource_type = ceiling.resource_type
        else:
            return None
        permissions = self.permissions & ceiling.permissions
        if not permissions:
            return None
        narrowing = tuple(sorted(set(self.narrowing) | set(ceiling.narrowing)))
        return Scope(self.context, resource_type, frozenset(permissions), narrowing)


@dataclass(frozen=True)
class ScopeSet:
    resource_scopes: tuple[Scope, ...] = ()
    other: frozenset[str] = frozenset()  # openid, fhirUser, launch/patient, offline_access, ...

    def grants(self, resource_type: str, permission: str) -> list[Narrowing]:
        """The narrowings under which `permission` on `resource_type` is granted, one per scope
        that grants it: [] means denied, a `()` among them means granted without narrowing."""
        found = [
            s.narrowing
            for s in self.resource_scopes
            if s.covers_type(resource_type) and permission in s.permissions
        ]
        return [()] if () in found else found

    def contexts(self) -> set[str]:
        return {s.context for s in self.resource_scopes}

    def text(self) -> str:
        parts = [s.text() for s in self.resource_scopes] + sorted(self.other)
        return " ".join(parts)

    def restricted_to(self, ceiling: ScopeSet) -> ScopeSet:
        """The scopes a client or role may actually hold out of these (intersection)."""
        kept: list[Scope] = []
        for scope in self.resource_scopes:
            for cap in ceiling.resource_scopes:
                both = scope.intersect(cap)
                if both is not None and both not in kept:
                    kept.append(both)
        return ScopeSet(tuple(kept), self.other & ceiling.other)


def parse_scope(text: str) -> Scope | None:
    """A resource scope, or None for a scope that names no resource (`openid`, `launch/patient`).
    A malformed resource scope is a 400 (invalid_scope in OAuth terms)."""
    context, slash, rest = text.partition("/")
    if not slash or context not in CONTEXTS or "." not in rest:
        return None
    head, _, query = rest.partition("?")
    resource_type, _, permissions = head.rpartition(".")
    if not resource_type or not (resource_type == "*" or resource_type.isalnum()):
        raise _invalid(text, "the resource type")
    return Scope(context, resource_type, _permissions(text, permissions), _narrowing(text, query))


def parse_scopes(text: str) -> ScopeSet:
    resource_scopes: list[Scope] = []
    other: set[str] = set()
    for word in text.split():
        scope = parse_scope(word)
        if scope is None:
            other.add(word)
        elif scope not in resource_scopes:
            resource_scopes.append(scope)
    return ScopeSet(tuple(resource_scopes), frozenset(other))


def _permissions(text: str, letters: str) -> frozenset[str]:
    if letters in V1_PERMISSIONS:
        return frozenset(V1_PERMISSIONS[letters])
    # v2: a non-empty subsequence of "cruds", in that order, each letter once
    position = -1
    for letter in letters:
        index = PERMISSIONS.find(letter)
        if index <= position:
            raise _invalid(text, "the permissions (a subsequence of 'cruds')")
        position = index
    if not letters:
        raise _invalid(text, "the permissions (a subsequence of 'cruds')")
    return frozenset(letters)


def _narrowing(text: str, query: str) -> Narrowing:
    if not query:
        return ()
    try:
        pairs = parse_qsl(query, keep_blank_values=False, strict_parsing=True)
    except ValueError:
        raise _invalid(text, "the query") from None
    return tuple(sorted(pairs))


def _invalid(scope: str, part: str) -> errors.FhirError:
    return errors.error(400, "invalid", f"Scope '{scope}': invalid {part}")
