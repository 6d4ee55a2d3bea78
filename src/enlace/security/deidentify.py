"""Safe Harbor de-identification of FHIR R4 resources, with keyed pseudonyms (docs/security.md).

HIPAA 45 CFR 164.514(b)(2): the 18 identifier classes are removed or generalized. Which element
gets which treatment follows from its FHIR type (`enlace.security.deidentify_rules`); this module
walks a resource once with those rules and adds what depends on the whole resource: pseudonymous
ids and references (HMAC-SHA256 under a secret, so one patient's resources still link to each
other but not to the source), ages of 90 or more grouped, birth years generalized or patients
withheld for k-anonymity (`release_patients`), and the de-identification marker in meta.security.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from enlace.fhir.definitions import (
    COMPLEX,
    PRIMITIVE,
    ElementSpec,
    FhirDefinitions,
    Structure,
    load_definitions,
)

from . import deidentify_rules as rules
from .deidentify_rules import (
    CONTAINED,
    DROP,
    INSTANT_YEAR,
    KEEP,
    NESTED,
    REFERENCE,
    TOKEN,
    TOKEN_OID,
    TOKEN_UUID,
    WALK,
    YEAR,
    Rule,
    RuleBook,
    year_of,
)
from .deidentify_stats import QuasiIdentifierTally, Release

QUASI_IDENTIFIERS = ("birth", "gender", "region")
_LITERAL = re.compile(
    r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$"
)
_TOKEN_CACHE_LIMIT = 100_000


class Deidentifier:
    """De-identifies resources one at a time. Holds per-export state: use one per export job
    (and per thread); its pseudonyms depend only on the secret."""

    def __init__(
        self,
        secret: bytes,
        *,
        as_of: date | None = None,
        definitions: FhirDefinitions | None = None,
    ) -> None:
        if not secret:
            raise ValueError("a de-identification secret is required")
        self.as_of = as_of or datetime.now(UTC).date()  # "now" for ages of living patients
        self._definitions = definitions or load_definitions()
        self._book = RuleBook(self._definitions)
        self._element = self._definitions.structures["Element"]
        self._mac = hmac.new(secret, digestmod=hashlib.sha256)
        self._tokens: dict[str, str] = {}
        self._withheld: set[str] = set()  # Patient ids withheld with every resource naming them
        self._banded: set[str] = set()  # Patient ids whose birth year is published as a band
        self._names_withheld = False  # set while walking a resource that names a withheld patient

    def resource(self, resource: dict[str, Any]) -> dict[str, Any] | None:
        """The de-identified copy of `resource`, or None when nothing of it may be published (a
        withheld patient, or a resource referencing one; an unknown resource type)."""
        self._names_withheld = False
        out = self._resource(resource, contained=False)
        if out is None or (self._names_withheld and out["resourceType"] != "Patient"):
            return None  # a released Patient only loses its link to a withheld one
        meta = out.setdefault("meta", {})
        security = meta.setdefault("security", [])
        security.extend(dict(marker) for marker in rules.SECURITY_MARKERS)
        return out

    def pseudonym(self, resource_type: str, resource_id: str) -> str:
        """The exported id of `resource_type/resource_id`: stable for one secret."""
        return self._token(f"{resource_type}/{resource_id}")

    def withhold_patients(self, ids: Iterable[str]) -> None:
        self._withheld.update(ids)

    def generalize_birth_years(self, ids: Iterable[str]) -> None:
        self._banded.update(ids)

    def quasi_identifiers(self, patient: dict[str, Any]) -> dict[str, str]:
        """The values a de-identified Patient still shows that others could link on: birth year
        ("90+" when grouped), gender, and region (country|state|postal prefix per address)."""
        return {
            "birth": self._birth_label(patient),
            "gender": str(patient.get("gender", "")),
            "region": _region(patient),
        }

    def release_patients(self, patients: Iterable[dict[str, Any]], k: int) -> Release:
        """Tally `patients` on their quasi-identifiers and make what follows k-anonymous: patients
        of classes below k get their birth year as a 5-year band, or, if still below k, are
        withheld with every resource that references them."""
        tally = QuasiIdentifierTally(k)
        for patient in patients:
            patient_id = patient.get("id")
            if isinstance(patient_id, str):
                labels = self.quasi_identifiers(patient)
                tally.add(patient_id, tuple(labels[name] for name in QUASI_IDENTIFIERS))
        release = tally.release(_generalize_birth)
        self.withhold_patients(release.suppressed_ids)
        self.generalize_birth_years(release.generalized_ids)
        return release

    # The walk.

    def _resource(self, source: dict[str, Any], contained: bool) -> dict[str, Any] | None:
        resource_type = source.get("resourceType")
        structure = self._definitions.resources.get(resource_type)  # type: ignore[arg-type]
        if structure is None:
            return None
        resource_id = source.get("id")
        if not contained and resource_type == "Patient" and resource_id in self._withheld:
            return None
        out: dict[str, Any] = {"resourceType": resource_type}
        if isinstance(resource_id, str):
            out["id"] = (
                self._local(resource_id)
                if contained
                else self.pseudonym(structure.name, resource_id)
            )
        out.update(self._object(source, structure) or {})
        if "birthDate" in out:
            self._group_birth(source, out, contained)
        return out

    def _object(self, source: dict[str, Any], structure: Structure) -> dict[str, Any] | None:
        """One JSON object walked with its structure's rules; None when nothing is left.

        The hot loop: the frequent actions (keep, walk, year) are handled inline."""
        element_rules = self._book.rules(structure)
        out: dict[str, Any] = {}
        siblings: list[str] | None = None
        for key, value in source.items():
            rule = element_rules.get(key)
            if rule is None:
                if key[:1] == "_":
                    siblings = siblings or []
                    siblings.append(key)
                continue  # resourceType (written by _resource) or not an element: not published
            action, child, is_list, _, required, spec = rule
            result: Any
            if action == KEEP:
                out[key] = value
                continue
            if action == DROP:
                result = None
            elif action == WALK and child is not None:
                if not is_list:
                    result = self._object(value, child) if type(value) is dict else None
                elif type(value) is list:
                    walk = self._object
                    result = [r for i in value if type(i) is dict and (r := walk(i, child))] or None
                else:
                    result = None
            elif action == YEAR and not is_list:
                result = year_of(value)
            else:
                result = self._value(rule, value)
            if result is not None:
                out[key] = result
            elif required:
                _mask(key, spec, out)
        if siblings is not None:
            for key in siblings:
                self._sibling(key, source, element_rules, out)
        step = _STEPS.get(structure.name)
        if step is not None:
            return step(source, out)
        return out or None

    def _value(self, rule: Rule, value: Any) -> Any:
        if not rule.is_list:
            return self._single(rule.action, value)
        if type(value) is not list:
            return None
        if rule.primitive:  # stays aligned with its `_name` sibling, nulls included
            items = [None if item is None else self._single(rule.action, item) for item in value]
            return items if any(item is not None for item in items) else None
        action = rule.action
        kept = [result for item in value if (result := self._single(action, item)) is not None]
        return kept or None

    def _single(self, action: int, value: Any) -> Any:
        """One value of an element whose action is not handled inline by `_object`."""
        if action == YEAR:
            return year_of(value)
        if action == REFERENCE:
            return self._reference(value)
        if action == INSTANT_YEAR:
            year = year_of(value)
            return f"{year}-01-01T00:00:00Z" if year else None
        if action in (NESTED, CONTAINED):
            if type(value) is not dict:
                return None
            return self._resource(value, contained=action == CONTAINED)
        if not isinstance(value, str):
            return None
        if action == TOKEN:
            return self._token(f"id:{value}")
        if action == TOKEN_OID:
            return self._oid(value)
        if action == TOKEN_UUID:
            return self._uuid(value)
        return None

    def _sibling(
        self, key: str, source: dict[str, Any], element_rules: dict[str, Rule], out: dict[str, Any]
    ) -> None:
        """`_birthDate`, `_given`: the id and extensions of a primitive whose value was kept."""
        name = key[1:]
        rule = element_rules.get(name)
        if rule is None or not rule.primitive or rule.action == DROP or key in out:
            return
        if name in source and name not in out:
            return  # the value was removed: so are its extensions
        value = source[key]
        if type(value) is list:
            items = [self._object(i, self._element) if type(i) is dict else None for i in value]
            if any(item is not None for item in items):
                out[key] = items
        elif type(value) is dict:
            element = self._object(value, self._element)
            if element is not None:
                out[key] = element

    def _reference(self, value: Any) -> str | None:
        """A reference to the same target's pseudonym; None for what cannot be pseudonymized
        (conditional references carry search values) or names a withheld patient."""
        if not isinstance(value, str):
            return None
        if value[:1] == "#":
            return f"#{self._local(value[1:])}" if len(value) > 1 else "#"
        if value.startswith("urn:uuid:"):
            return self._uuid(value)
        if value.startswith("urn:oid:"):
            return self._oid(value)
        match = _LITERAL.search(value)
        if match is None or match[1] not in self._definitions.resource_types:
            return None
        target_type, target_id = match[1], match[2]
        if target_type == "Patient" and target_id in self._withheld:
            self._names_withheld = True
            return None
        return f"{target_type}/{self.pseudonym(target_type, target_id)}"

    def _token(self, text: str) -> str:
        token = self._tokens.get(text)
        if token is None:
            mac = self._mac.copy()
            mac.update(text.encode())
            token = mac.hexdigest()[:32]  # 128 bits: collisions are not a practical concern
            if len(self._tokens) >= _TOKEN_CACHE_LIMIT:
                self._tokens.clear()
            self._tokens[text] = token
        return token

    def _uuid(self, value: str) -> str:
        return f"urn:uuid:{uuid.UUID(hex=self._token(value))}"

    def _oid(self, value: str) -> str:
        return f"urn:oid:2.25.{int(self._token(value), 16)}"  # 2.25: the OID arc for UUIDs

    def _local(self, contained_id: str) -> str:
        return self._token(f"#{contained_id}")[:16]

    # Birth dates.

    def _birth_label(self, source: dict[str, Any]) -> str:
        """The birth year as published before any k-anonymity banding: "1952", "90+" or ""."""
        year = year_of(source.get("birthDate"))
        if year is None:
            return ""
        # Age at death for the deceased, else at `as_of`; by year, so possibly one year high:
        # a birth year that might mean 90 or more is grouped.
        death = year_of(source.get("deceasedDateTime"))
        reference_year = int(death) if death else self.as_of.year
        return rules.AGE_90_OR_MORE if reference_year - int(year) >= rules.OLDEST_AGE else year

    def _group_birth(self, source: dict[str, Any], out: dict[str, Any], contained: bool) -> None:
        label = self._birth_label(source)
        banded = (
            not contained and out["resourceType"] == "Patient" and source.get("id") in self._banded
        )
        if banded:
            label = rules.birth_band(label)
        if label == out["birthDate"]:
            return
        del out["birthDate"]
        out["_birthDate"] = _masked()
        extension = (
            rules.age_extension() if label == rules.AGE_90_OR_MORE else rules.band_extension(label)
        )
        out.setdefault("extension", []).append(extension)


def _generalize_birth(key: tuple[str, ...]) -> tuple[str, ...]:
    return (rules.birth_band(key[0]), *key[1:])


def _region(patient: dict[str, Any]) -> str:
    places = set()
    for address in patient.get("address") or ():
        if not isinstance(address, dict):
            continue
        prefix = rules.postal_prefix(address.get("postalCode"), address.get("country"))
        parts = (str(address.get("country", "")), str(address.get("state", "")), prefix or "")
        if any(parts):
            places.add("|".join(parts))
    return ";".join(sorted(places))


def _masked() -> dict[str, Any]:
    """A fresh `data-absent-reason: masked` element (fresh: the caller may extend it)."""
    return {"extension": [{"url": rules.DATA_ABSENT_REASON, "valueCode": "masked"}]}


def _mask(key: str, spec: ElementSpec, out: dict[str, Any]) -> None:
    """A required element whose value was removed: present, marked data-absent-reason=masked."""
    if spec.kind == COMPLEX:
        out[key] = [_masked()] if spec.is_list else _masked()
    elif spec.kind == PRIMITIVE and spec.extensible:
        if spec.is_list:
            out[key] = [None]
            out[f"_{key}"] = [_masked()]
        else:
            out[f"_{key}"] = _masked()


# Steps that need the whole object, after its elements were walked.


def _extension_step(source: dict[str, Any], out: dict[str, Any]) -> dict[str, Any] | None:
    if source.get("url") in rules.DROPPED_EXTENSIONS:
        return None
    if "extension" in out or any(key.startswith(("value", "_value")) for key in out):
        return out
    return None  # its value was removed: an extension must have one (ext-1)


def _concept_step(source: dict[str, Any], out: dict[str, Any]) -> dict[str, Any] | None:
    # Free text is removed, unless it only repeats the display of one of the concept's codes.
    text = source.get("text")
    if isinstance(text, str) and any(
        isinstance(coding, dict) and coding.get("display") == text
        for coding in out.get("coding", ())
    ):
        out["text"] = text
    return out or None


def _address_step(source: dict[str, Any], out: dict[str, Any]) -> dict[str, Any] | None:
    prefix = rules.postal_prefix(source.get("postalCode"), source.get("country"))
    if prefix is not None:
        out["postalCode"] = prefix
    return out or None


def _age_step(source: dict[str, Any], out: dict[str, Any]) -> dict[str, Any] | None:
    rules.cap_age(out)
    return out or None


_STEPS: dict[str, Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None]] = {
    "Extension": _extension_step,
    "CodeableConcept": _concept_step,
    "Address": _address_step,
    "Age": _age_step,
}
