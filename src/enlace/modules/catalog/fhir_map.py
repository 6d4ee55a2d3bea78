"""Catalog entries as FHIR R4 resources with stable ids (loading twice changes nothing).

Extensions Enlace defines (each URL is documented in docs/catalogs.md):
- medication-pack-size: valueQuantity, units in one sold pack ("30 tabletas").
- medication-cold-chain: complex; `required` (valueBoolean) and, when required, `range`
  (valueRange in Cel) the pack must stay within from release to dispense.
- medication-reference-price: valueInteger, reference price of one pack in MXN centavos (money is
  integer centavos across Enlace; a FHIR Money would be a decimal).
- medication-therapeutic-group: valueCode, the condition group the medicine is listed for.
"""

from __future__ import annotations

from typing import Any

from enlace.modules.catalog import terminology_data as terms
from enlace.modules.catalog.domain import Facility, Institution, Medicine
from enlace.modules.catalog.network_data import INSTITUTIONS, STATES

BASE = "https://enlace.health/fhir"
SD = f"{BASE}/StructureDefinition"
EXT_PACK_SIZE = f"{SD}/medication-pack-size"
EXT_COLD_CHAIN = f"{SD}/medication-cold-chain"
EXT_PRICE = f"{SD}/medication-reference-price"
EXT_GROUP = f"{SD}/medication-therapeutic-group"
ATC = "http://www.whocc.no/atc"
GTIN = "https://www.gs1.org/gtin"
CNIS = f"{BASE}/sid/cnis"  # Compendio Nacional de Insumos, clave
ICD10 = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ORG_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
DOSE_FORM = f"{BASE}/CodeSystem/dose-form"
FACILITY_TYPE = f"{BASE}/CodeSystem/facility-type"
ORG_ID = f"{BASE}/sid/organization"
CONDITION_GROUP_VS = f"{BASE}/ValueSet/condition-"  # + group code
_ORG_TYPE_DISPLAY = {
    "govt": "Government",
    "prov": "Healthcare Provider",
    "pay": "Payer",
    "ins": "Insurance Company",
}


def _quantity(value: float, unit: str, display: str | None = None) -> dict[str, Any]:
    return {"value": value, "unit": display or unit, "system": UCUM, "code": unit}


def medication(medicine: Medicine) -> dict[str, Any]:
    coding = [{"system": ATC, "code": medicine.atc}, {"system": GTIN, "code": medicine.gtin}]
    identifiers = [{"system": GTIN, "value": medicine.gtin}]
    if medicine.cnis:
        identifiers.append({"system": CNIS, "value": medicine.cnis})
    cold: list[dict[str, Any]] = [
        {"url": "required", "valueBoolean": medicine.cold_chain is not None}
    ]
    if medicine.cold_chain is not None:
        low, high = medicine.cold_chain.min_celsius, medicine.cold_chain.max_celsius
        cold.append(
            {
                "url": "range",
                "valueRange": {"low": _quantity(low, "Cel"), "high": _quantity(high, "Cel")},
            }
        )
    return {
        "resourceType": "Medication",
        "id": medicine.id,
        "extension": [
            {
                "url": EXT_PACK_SIZE,
                "valueQuantity": {"value": medicine.pack_size, "unit": medicine.pack_unit},
            },
            {"url": EXT_COLD_CHAIN, "extension": cold},
            {"url": EXT_PRICE, "valueInteger": medicine.price_centavos},
            {"url": EXT_GROUP, "valueCode": medicine.group},
        ],
        "identifier": identifiers,
        "code": {"coding": coding, "text": medicine.display},
        "status": "active",
        "form": {
            "coding": [
                {
                    "system": DOSE_FORM,
                    "code": medicine.form,
                    "display": terms.DOSE_FORMS[medicine.form],
                }
            ]
        },
        "ingredient": [
            {
                "itemCodeableConcept": {"text": part.name},
                "isActive": True,
                "strength": {
                    "numerator": _quantity(part.amount, part.unit),
                    "denominator": _quantity(part.per, part.per_unit),
                },
            }
            for part in medicine.ingredients
        ],
    }


def _code_system(slug: str, title: str, concepts: dict[str, str]) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "id": slug,
        "url": f"{BASE}/CodeSystem/{slug}",
        "name": slug.replace("-", "_").title().replace("_", ""),
        "title": title,
        "status": "active",
        "content": "complete",
        "caseSensitive": True,
        "concept": [{"code": code, "display": display} for code, display in concepts.items()],
    }


def _value_set(slug: str, title: str, includes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "ValueSet",
        "id": slug,
        "url": f"{BASE}/ValueSet/{slug}",
        "name": slug.replace("-", "_").title().replace("_", ""),
        "title": title,
        "status": "active",
        "compose": {"include": includes},
    }


def _include(system: str, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {"system": system, "concept": [{"code": c, "display": d} for c, d in pairs]}


def terminology() -> list[dict[str, Any]]:
    """CodeSystems Enlace owns and the ValueSets later modules bind to."""
    out = [
        _code_system("dose-form", "Formas farmacéuticas (Enlace)", terms.DOSE_FORMS),
        _code_system("facility-type", "Tipos de unidad (Enlace)", terms.FACILITY_TYPES),
    ]
    every: list[tuple[str, str]] = []
    for group, (title, codes) in terms.CONDITION_GROUPS.items():
        out.append(_value_set(f"condition-{group}", title, [_include(ICD10, list(codes))]))
        every.extend(codes)
    out.append(
        _value_set(
            "priority-conditions", "Padecimientos prioritarios (CIE-10)", [_include(ICD10, every)]
        )
    )
    observations = [(code, display) for code, display, _ in terms.OBSERVATIONS]
    out.append(
        _value_set(
            "observation-codes", "Mediciones y estudios (LOINC)", [_include(LOINC, observations)]
        )
    )
    out.append(_value_set("units", "Unidades (UCUM)", [_include(UCUM, list(terms.UNITS.items()))]))
    return out


def _org_types(kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {"coding": [{"system": ORG_TYPE, "code": k, "display": _ORG_TYPE_DISPLAY[k]}]}
        for k in kinds
    ]


def institution(item: Institution) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": f"org-{item.slug}",
        "identifier": [{"system": ORG_ID, "value": item.slug}],
        "active": True,
        "type": _org_types(item.kinds),
        "name": item.name,
        "alias": [item.alias],
    }
    if item.state:
        resource["address"] = [{"state": STATES[item.state][0], "country": "MX"}]
    return resource


def _facility_type(kind: str) -> dict[str, Any]:
    display = terms.FACILITY_TYPES[kind]
    return {"coding": [{"system": FACILITY_TYPE, "code": kind, "display": display}]}


def _address(facility: Facility) -> dict[str, Any]:
    state = STATES[facility.state][0]
    return {
        "use": "work",
        "text": f"{facility.municipality_name}, {state}, México",
        "city": facility.municipality_name,
        "district": facility.municipality,  # INEGI municipality code (state + 3 digits)
        "state": state,
        "country": "MX",
    }


def facility_organization(facility: Facility) -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "id": f"org-{facility.slug}",
        "identifier": [{"system": ORG_ID, "value": facility.slug}],
        "active": True,
        "type": [*_org_types(("prov",)), _facility_type(facility.kind)],
        "name": facility.name,
        "address": [_address(facility)],
        "partOf": {"reference": f"Organization/org-{facility.institution}"},
    }


def facility_location(facility: Facility) -> dict[str, Any]:
    return {
        "resourceType": "Location",
        "id": f"loc-{facility.slug}",
        "identifier": [{"system": ORG_ID, "value": facility.slug}],
        "status": "active",
        "name": facility.name,
        "mode": "instance",
        "type": [_facility_type(facility.kind)],
        "address": _address(facility),
        "position": {"longitude": facility.longitude, "latitude": facility.latitude},
        "managingOrganization": {"reference": f"Organization/org-{facility.slug}"},
    }


def network(facilities: tuple[Facility, ...]) -> list[dict[str, Any]]:
    out = [institution(item) for item in INSTITUTIONS]
    for facility in facilities:
        out.append(facility_organization(facility))
        out.append(facility_location(facility))
    return out
