"""Expands the value sets behind required bindings, from the CodeSystems shipped with the spec.

Only what can be expanded exactly is expanded: whole code systems present with `content: complete`,
explicit concept lists, other value sets (recursively), and excludes of those. A value set that
includes a system we do not have (UCUM, BCP-47 languages, MIME types, ISO 4217 currencies) or uses a
filter is reported as unexpandable; its binding is then left unchecked rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

Codes = frozenset[tuple[str, str]]  # (system, code)


def canonical_url(reference: str) -> str:
    """`http://hl7.org/fhir/ValueSet/x|4.0.1` -> `http://hl7.org/fhir/ValueSet/x`."""
    return reference.partition("|")[0]


class ValueSetExpander:
    def __init__(self, resources: Iterable[dict[str, Any]]) -> None:
        self._value_sets: dict[str, dict[str, Any]] = {}
        self._code_systems: dict[str, dict[str, Any]] = {}
        for resource in resources:
            if resource.get("resourceType") == "ValueSet":
                self._value_sets[resource["url"]] = resource
            elif (
                resource.get("resourceType") == "CodeSystem"
                and resource.get("content") == "complete"
            ):
                self._code_systems[resource["url"]] = resource
        self._expansions: dict[str, Codes | None] = {}

    def expand(self, url: str) -> Codes | None:
        """All (system, code) pairs of the value set, or None when it cannot be expanded exactly."""
        url = canonical_url(url)
        if url not in self._expansions:
            self._expansions[url] = None  # also breaks include cycles
            self._expansions[url] = self._expand_uncached(url)
        return self._expansions[url]

    def _expand_uncached(self, url: str) -> Codes | None:
        value_set = self._value_sets.get(url)
        compose = value_set.get("compose") if value_set else None
        if not compose or not compose.get("include"):
            return None
        included: set[tuple[str, str]] = set()
        for include in compose["include"]:
            codes = self._expand_include(include)
            if codes is None:
                return None
            included |= codes
        for exclude in compose.get("exclude", ()):
            codes = self._expand_include(exclude)
            if codes is None:
                return None
            included -= codes
        return frozenset(included)

    def _expand_include(self, include: dict[str, Any]) -> Codes | None:
        if include.get("filter"):
            return None
        # FHIR: a system and value sets in one include are intersected.
        parts: list[Codes] = []
        system = include.get("system")
        if system:
            if include.get("concept"):
                parts.append(frozenset((system, c["code"]) for c in include["concept"]))
            elif system in self._code_systems:
                concepts = self._code_systems[system].get("concept", ())
                parts.append(frozenset((system, code) for code in _all_codes(concepts)))
            else:
                return None
        for value_set_url in include.get("valueSet", ()):
            codes = self.expand(value_set_url)
            if codes is None:
                return None
            parts.append(codes)
        if not parts:
            return None
        return frozenset.intersection(*parts)


def _all_codes(concepts: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Every code of a (possibly hierarchical) concept list."""
    for concept in concepts:
        yield concept["code"]
        yield from _all_codes(concept.get("concept", ()))
