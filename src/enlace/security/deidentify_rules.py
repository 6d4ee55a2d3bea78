"""What Safe Harbor de-identification does to each FHIR element, decided from the R4 definitions.

The rules follow the element's type, not a list per resource, so every resource, datatype,
backbone element, extension and contained resource is covered by the same few lines:

- identifying datatypes are removed whole: HumanName, ContactPoint, Identifier, Annotation,
  Narrative, Signature, ContactDetail;
- free-text and opaque primitives are removed: string, markdown, xhtml, base64Binary, url, and
  uri where it is a free value or an address (`valueUri`, `Device.url`, ...). A short list of
  strings that are terminology or structure, not free text, is kept (`KEPT_STRINGS`);
- date and dateTime become their year; instant, which FHIR requires to be complete, becomes the
  first instant of its year;
- id, oid and uuid values other than Resource.id become keyed pseudonyms; Resource.id and
  references are pseudonymized by the walker (`enlace.security.deidentify`);
- Address keeps use, type, state, country, the period's years and a truncated postal code
  (`postal_prefix`); Age values of 90 years or more become ">= 90 years" (`cap_age`).

Everything else (code, boolean, numbers, uri, canonical, time, Coding) is kept.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, NamedTuple

from enlace.fhir.definitions import (
    COMPLEX,
    PRIMITIVE,
    RESOURCE,
    ElementSpec,
    FhirDefinitions,
    Structure,
)

# What happens to an element.
KEEP = 0
DROP = 1
YEAR = 2  # date, dateTime: "2019-03-04T10:00:00Z" -> "2019"
INSTANT_YEAR = 3  # instant: -> "2019-01-01T00:00:00Z"
TOKEN = 4  # id-typed values (DICOM uids, ...): keyed pseudonym
TOKEN_OID = 5
TOKEN_UUID = 6
REFERENCE = 7  # Reference.reference, Bundle.entry.fullUrl: pseudonymized target
WALK = 8  # a datatype or backbone element: walked with its own rules
NESTED = 9  # a resource inside a resource (Bundle.entry.resource, Parameters): walked whole
CONTAINED = 10  # contained resources: ids are local, pseudonymized within the container

DROPPED_TYPES = frozenset(
    {
        "HumanName",
        "ContactPoint",
        "Identifier",
        "Annotation",
        "Narrative",
        "Signature",
        "ContactDetail",
    }
)
PRIMITIVE_ACTIONS = {
    "string": DROP,
    "markdown": DROP,
    "xhtml": DROP,
    "base64Binary": DROP,
    "url": DROP,
    "date": YEAR,
    "dateTime": YEAR,
    "instant": INSTANT_YEAR,
    "id": TOKEN,
    "oid": TOKEN_OID,
    "uuid": TOKEN_UUID,
}
_QUANTITIES = (
    "Quantity",
    "Age",
    "Count",
    "Distance",
    "Duration",
    "SimpleQuantity",
    "MoneyQuantity",
)
# Strings that carry terminology or structure, not free text about a person.
KEPT_STRINGS = frozenset(
    {
        "Coding.display",
        "Coding.version",
        "Address.state",
        "Address.country",
        "Questionnaire.item.linkId",
        "Questionnaire.item.enableWhen.question",
        "QuestionnaireResponse.item.linkId",
        "Parameters.parameter.name",
        "Bundle.link.relation",
        "Bundle.entry.response.status",
        *(f"{quantity}.unit" for quantity in _QUANTITIES),
    }
)
PATH_ACTIONS = {
    **dict.fromkeys(KEPT_STRINGS, KEEP),
    "Reference.reference": REFERENCE,
    "Bundle.entry.fullUrl": REFERENCE,
    # Geography below state level and values that point back into the source system.
    "Location.position": DROP,
    "Address.postalCode": DROP,  # re-added truncated by the Address step (postal_prefix)
    "Address.extension": DROP,  # geolocation, census tract, address parts
    "Attachment.size": DROP,  # with hash and title, enough to match a file held elsewhere
    "Device.url": DROP,  # the network address of a patient's device
    "Contract.url": DROP,
    "DocumentManifest.source": DROP,
    "CoverageEligibilityResponse.insurance.item.authorizationUrl": DROP,
    "Meta.versionId": DROP,
    "Meta.source": DROP,
    "Meta.project": DROP,
    "Bundle.link.url": DROP,
    "Bundle.entry.request.url": DROP,
    "Bundle.entry.response.location": DROP,
}
# Extensions removed whatever their value: they locate a person below state level.
DROPPED_EXTENSIONS = frozenset({"http://hl7.org/fhir/StructureDefinition/geolocation"})

# A required element whose value was removed stays, holding only this extension (valueCode masked).
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
SECURITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
SECURITY_MARKERS = (
    {"system": SECURITY_SYSTEM, "code": "REDACTED", "display": "redacted"},
    {"system": SECURITY_SYSTEM, "code": "PSEUDED", "display": "pseudonymized"},
)
AGE_EXTENSION = "https://enlace.health/fhir/StructureDefinition/deidentified-age"
BIRTH_BAND_EXTENSION = "https://enlace.health/fhir/StructureDefinition/birth-year-band"
OLDEST_AGE = 90  # Safe Harbor: ages over 89 are grouped as 90 or older
AGE_90_OR_MORE = "90+"
BAND_YEARS = 5


class Rule(NamedTuple):
    """An element's treatment. A tuple, so the walk's hot loop can unpack it in one step."""

    action: int
    structure: Structure | None  # the structure to walk, for WALK
    is_list: bool
    primitive: bool
    required: bool  # min >= 1: masked rather than left out when its value is removed
    spec: ElementSpec


class RuleBook:
    """The rule of every element of every structure, compiled once per structure on first use."""

    def __init__(self, definitions: FhirDefinitions) -> None:
        self.definitions = definitions
        self._rules: dict[str, dict[str, Rule]] = {}

    def rules(self, structure: Structure) -> dict[str, Rule]:
        rules = self._rules.get(structure.name)
        if rules is None:
            rules = self._rules[structure.name] = {
                name: Rule(
                    _action(structure, name, spec),
                    spec.structure,
                    spec.is_list,
                    spec.kind == PRIMITIVE,
                    spec.min >= 1,
                    spec,
                )
                for name, spec in structure.elements.items()
            }
        return rules


def _action(structure: Structure, name: str, spec: ElementSpec) -> int:
    path = f"{structure.name}.{name}"
    if path in PATH_ACTIONS:
        return PATH_ACTIONS[path]
    if structure.is_resource and name == "id":
        return DROP  # the walker writes the pseudonymous id itself
    if name == "valueUri":
        return DROP  # a free value (an answer, an extension's value) may be a personal address
    if spec.kind == RESOURCE:
        return CONTAINED if name == "contained" else NESTED
    if spec.kind == COMPLEX:
        return DROP if spec.type_name in DROPPED_TYPES else WALK
    return PRIMITIVE_ACTIONS.get(spec.type_name, KEEP)


def year_of(value: Any) -> str | None:
    """The year of a FHIR date, dateTime or instant, as written (before any time zone shift)."""
    if isinstance(value, str) and len(value) >= 4 and value[:4].isdigit():
        return value[:4]
    return None


# The 17 three-digit ZIP prefixes whose areas held 20,000 people or fewer in the 2000 Census
# (HHS de-identification guidance, 67 FR 53182): published as 000.
RESTRICTED_ZIP3 = frozenset(
    {
        "036",
        "059",
        "063",
        "102",
        "203",
        "556",
        "692",
        "790",
        "821",
        "823",
        "830",
        "831",
        "878",
        "879",
        "884",
        "890",
        "893",
    }
)
_MEXICO = frozenset({"mx", "mex", "mexico", "estados unidos mexicanos", "484"})
_UNITED_STATES = frozenset(
    {"us", "usa", "united states", "united states of america", "estados unidos", "840"}
)
_FIVE_DIGITS = re.compile(r"\d{5}")
_US_ZIP = re.compile(r"(\d{5})(?:-?\d{4})?")


def _country(country: Any) -> str | None:
    if not isinstance(country, str):
        return None
    plain = unicodedata.normalize("NFKD", country).encode("ascii", "ignore").decode()
    folded = plain.strip().casefold().rstrip(".")
    if folded in _MEXICO:
        return "MX"
    if folded in _UNITED_STATES:
        return "US"
    return None


def postal_prefix(postal_code: Any, country: Any) -> str | None:
    """The part of a postal code Safe Harbor lets us publish, or None to publish nothing.

    Mexico: the first 2 digits of the 5-digit código postal, the state-level prefix (a state or a
    large region of one; Mexico City's 00-16 are its boroughs). Mexico publishes no population per
    3-digit prefix, so the 20,000-people test behind the US 3-digit rule cannot be checked. United
    States: the 3-digit ZIP prefix, 000 for the restricted ones. Any other or missing country: a
    5-digit code keeps its first 2 digits (coarser than both rules), anything else is removed.
    """
    if not isinstance(postal_code, str):
        return None
    code = postal_code.strip()
    kind = _country(country)
    if kind == "US":
        if not _US_ZIP.fullmatch(code):
            return None
        prefix = code[:3]
        return "000" if prefix in RESTRICTED_ZIP3 else prefix
    if kind in ("MX", None) and _FIVE_DIGITS.fullmatch(code):
        return code[:2]
    return None


# 90 years in each UCUM unit of time an Age may use, rounded down (so the cap is conservative).
_DAYS_IN_90_YEARS = 90 * 365.2425
_NINETY_YEARS = {
    "a": 90,
    "mo": 90 * 12,
    "wk": int(_DAYS_IN_90_YEARS / 7),
    "d": int(_DAYS_IN_90_YEARS),
    "h": int(_DAYS_IN_90_YEARS * 24),
    "min": int(_DAYS_IN_90_YEARS * 24 * 60),
}
_YEAR_WORDS = frozenset({"a", "yr", "yrs", "year", "years", "ano", "anos", "año", "años"})


def cap_age(age: dict[str, Any]) -> None:
    """An Age of 90 years or more becomes exactly ">= 90 years" in its own unit (in place)."""
    value = age.get("value")
    if not isinstance(value, int | float) or isinstance(value, bool):
        return
    unit = age.get("code") or (
        "a" if str(age.get("unit", "")).strip().casefold() in _YEAR_WORDS else None
    )
    # An unknown unit is read as years: capping a smaller unit at 90 loses detail, never privacy.
    threshold = _NINETY_YEARS.get(unit, OLDEST_AGE) if isinstance(unit, str) else OLDEST_AGE
    if value >= threshold:
        age["value"] = threshold
        age["comparator"] = ">="


def birth_band(birth: str) -> str:
    """A published birth year generalized to its 5-year band: "1952" -> "1950-1954"."""
    if len(birth) != 4 or not birth.isdigit():
        return birth  # "90+" and "" are as general as they get
    start = int(birth) // BAND_YEARS * BAND_YEARS
    return f"{start}-{start + BAND_YEARS - 1}"


def age_extension() -> dict[str, Any]:
    return {
        "url": AGE_EXTENSION,
        "valueAge": {
            "value": OLDEST_AGE,
            "comparator": ">=",
            "unit": "years",
            "system": "http://unitsofmeasure.org",
            "code": "a",
        },
    }


def band_extension(band: str) -> dict[str, Any]:
    start, _, end = band.partition("-")
    return {"url": BIRTH_BAND_EXTENSION, "valuePeriod": {"start": start, "end": end}}
