"""Reference catalogs: formulary, conditions and observations, institutions and facilities.

Public API for other modules (docs/catalogs.md). The catalogs are also loaded into the FHIR store
(`load_catalogs`, `enlace catalog load`) under stable ids, which other modules reference:
`Medication/med-<slug>`, `Organization/org-<slug>`, `Location/loc-<slug>`, `ValueSet/condition-<group>`.
"""

from __future__ import annotations

from functools import cache

from enlace.modules.catalog import fhir_map
from enlace.modules.catalog.domain import (
    ColdChain,
    Facility,
    Ingredient,
    Institution,
    Medicine,
    gs1_check_digit,
    is_valid_gtin14,
)
from enlace.modules.catalog.formulary_data import MEDICINES
from enlace.modules.catalog.network_data import FACILITIES, INSTITUTIONS, STATES
from enlace.modules.catalog.service import (
    CatalogServices,
    LoadReport,
    catalog_resources,
    load_catalogs,
    load_reference,
)
from enlace.modules.catalog.terminology_data import CONDITION_GROUPS, OBSERVATIONS


def formulary(group: str | None = None) -> tuple[Medicine, ...]:
    """Every medicine, or those listed for one condition group (e.g. "diabetes")."""
    return tuple(m for m in MEDICINES if group is None or m.group == group)


def medication_for(atc: str) -> tuple[Medicine, ...]:
    """The formulary's presentations of one ATC code (a level-5 code, e.g. "A10BA02")."""
    return tuple(m for m in MEDICINES if m.atc == atc)


def medicine_by_gtin(gtin: str) -> Medicine | None:
    """One dict lookup: a medicine's GTIN is computed from its position, so scanning the
    formulary for it (as callers on a scan or claim path would) costs ~80 µs each time."""
    return _by_gtin().get(gtin)


def medicine_by_slug(slug: str) -> Medicine | None:
    """The medicine of `Medication/med-<slug>`, or None."""
    return _by_slug().get(slug)


@cache
def _by_gtin() -> dict[str, Medicine]:
    return {m.gtin: m for m in MEDICINES}


@cache
def _by_slug() -> dict[str, Medicine]:
    return {m.slug: m for m in MEDICINES}


def facilities(state: str | None = None, kind: str | None = None) -> tuple[Facility, ...]:
    """Facilities, optionally of one INEGI state code ("09", "14", "19") and one kind."""
    return tuple(
        f
        for f in FACILITIES
        if (state is None or f.state == state) and (kind is None or f.kind == kind)
    )


def facility(slug: str) -> Facility | None:
    """The facility of `Organization/org-<slug>`, or None (one dict lookup)."""
    return _facilities_by_slug().get(slug)


@cache
def _facilities_by_slug() -> dict[str, Facility]:
    return {f.slug: f for f in FACILITIES}


def institutions() -> tuple[Institution, ...]:
    return INSTITUTIONS


def condition_codes(group: str) -> tuple[str, ...]:
    """ICD-10 codes of one condition group (KeyError for an unknown group)."""
    return tuple(code for code, _ in CONDITION_GROUPS[group][1])


def observation_unit(loinc: str) -> str | None:
    """The UCUM unit a LOINC observation is recorded in, or None when not in the catalog."""
    return next((unit for code, _, unit in OBSERVATIONS if code == loinc), None)


__all__ = [
    "CONDITION_GROUPS",
    "STATES",
    "CatalogServices",
    "ColdChain",
    "Facility",
    "Ingredient",
    "Institution",
    "LoadReport",
    "Medicine",
    "catalog_resources",
    "condition_codes",
    "facilities",
    "facility",
    "fhir_map",
    "formulary",
    "gs1_check_digit",
    "institutions",
    "is_valid_gtin14",
    "load_catalogs",
    "load_reference",
    "medication_for",
    "medicine_by_gtin",
    "medicine_by_slug",
    "observation_unit",
]
