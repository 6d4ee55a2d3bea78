"""Reference catalogs (pure): GS1 check digits, formulary completeness, every resource validates."""

from __future__ import annotations

from collections import Counter

import pytest

from enlace.fhir.definitions import load_definitions
from enlace.fhir.validation import validate_resource
from enlace.modules import catalog
from enlace.modules.catalog import fhir_map
from enlace.modules.catalog.domain import gs1_check_digit, is_valid_gtin14, synthetic_gtin14
from enlace.modules.catalog.network_data import MUNICIPALITIES, STATES
from enlace.modules.catalog.terminology_data import CONDITION_GROUPS, PRIORITY_CODES, UNITS


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("629104150021", 3),  # GS1 General Specifications worked example (GTIN-13 6291041500213)
        ("0001234560001", 2),  # GTIN-14 00012345600012
        ("400638133393", 1),  # EAN-13 4006381333931
        ("03600029145", 2),  # UPC-A 036000291452: weights also start with 3 on the right
        ("0000000000000", 0),
    ],
)
def test_gs1_check_digit_known_values(body: str, check: int) -> None:
    assert gs1_check_digit(body) == check


def test_gtin14_verification_rejects_every_single_digit_error() -> None:
    gtin = synthetic_gtin14(42)
    assert is_valid_gtin14(gtin) and len(gtin) == 14
    for position in range(14):
        for digit in "0123456789":
            if digit != gtin[position]:
                assert not is_valid_gtin14(gtin[:position] + digit + gtin[position + 1 :])
    assert not is_valid_gtin14(gtin[:-1])
    assert not is_valid_gtin14("0299000100042x")
    with pytest.raises(ValueError):
        gs1_check_digit("12a4")
    with pytest.raises(ValueError):
        synthetic_gtin14(100_000)


def test_formulary_size_fields_and_unique_keys() -> None:
    medicines = catalog.formulary()
    assert len(medicines) >= 60
    assert len({m.id for m in medicines}) == len(medicines)
    assert len({m.gtin for m in medicines}) == len(medicines)
    for m in medicines:
        assert is_valid_gtin14(m.gtin), m.slug
        assert isinstance(m.price_centavos, int) and m.price_centavos > 0, m.slug
        assert isinstance(m.pack_size, int) and m.pack_size > 0, m.slug
        assert len(m.atc) == 7 and m.atc[0].isalpha() and m.atc[1:3].isdigit(), m.atc
        assert m.ingredients and all(i.amount > 0 for i in m.ingredients), m.slug
        assert m.group in CONDITION_GROUPS, m.group
        if m.cold_chain is not None:
            assert m.cold_chain.min_celsius < m.cold_chain.max_celsius
        if m.cnis is not None:
            assert len(m.cnis) == 15 and m.cnis.startswith("010.000."), m.cnis
    groups = Counter(m.group for m in medicines)
    for group in ("diabetes", "hypertension", "hiv", "rheumatoid-arthritis", "cancer", "copd"):
        assert groups[group] >= 5, group


@pytest.mark.parametrize(
    "atc",
    ["A10BA02", "A10BB01", "A10AC01", "A10AE04", "A10BH01", "A10BK01", "C09CA01", "C09AA02",
     "C08CA01", "C03BA04", "J05AR20", "J05AJ03", "L04AB04", "L04AB01", "L04AC07", "L01BC06",
     "L01EA01", "L02BX03", "R03BB04", "R03AC02", "C03CA01", "C03DA01", "C09DX04", "C10AA05"],
)  # fmt: skip
def test_issue_named_medicines_are_in_the_formulary(atc: str) -> None:
    assert catalog.medication_for(atc)


def test_biologics_and_insulins_are_cold_chain_with_a_range() -> None:
    for atc in ("L04AB04", "L04AB01", "L04AC07", "A10AC01", "A10AE04"):
        for m in catalog.medication_for(atc):
            assert m.cold_chain is not None and (
                m.cold_chain.min_celsius,
                m.cold_chain.max_celsius,
            ) == (2.0, 8.0)
    assert catalog.medication_for("A10BA02")[0].cold_chain is None


def test_priority_conditions_and_observations_are_covered() -> None:
    icd = {code for _, codes in CONDITION_GROUPS.values() for code, _ in codes}
    assert set(PRIORITY_CODES) <= icd
    assert {"B20", "B21", "B22", "B23", "B24"} <= icd
    assert any(code.startswith("C") for code in icd)
    for loinc, unit in (
        ("4548-4", "%"),
        ("8480-6", "mm[Hg]"),
        ("41653-7", "mg/dL"),
        ("39156-5", "kg/m2"),
    ):
        assert catalog.observation_unit(loinc) == unit
        assert unit in UNITS
    assert catalog.condition_codes("diabetes")[0] == "E11"


def test_network_has_every_kind_in_three_states_inside_their_bounds() -> None:
    names = {i.alias.split(" ")[0] for i in catalog.institutions()}
    assert {"IMSS", "ISSSTE", "IMSS-Bienestar", "IPEJAL", "ISSSTELEÓN"} <= names
    assert any("ins" in i.kinds for i in catalog.institutions())
    assert len(STATES) >= 3
    for state, (_, (south, west, north, east)) in STATES.items():
        here = catalog.facilities(state)
        assert {"clinic-l1", "hospital-l2", "hospital-l3", "pharmacy", "laboratory"} <= {
            f.kind for f in here
        }
        for f in here:
            assert south < f.latitude < north and west < f.longitude < east, f.slug
            assert f.municipality in {code for code, *_ in MUNICIPALITIES[state]}
    assert len(catalog.facilities(kind="distribution-center")) == 1
    slugs = {i.slug for i in catalog.institutions()}
    assert all(f.institution in slugs for f in catalog.facilities())


def test_every_catalog_resource_validates_and_ids_are_unique() -> None:
    definitions = load_definitions()
    resources = catalog.catalog_resources()
    keys = [(r["resourceType"], r["id"]) for r in resources]
    assert len(set(keys)) == len(keys)
    for resource in resources:
        assert validate_resource(resource, definitions) == [], resource["id"]
    ids = {r["id"] for r in resources}
    for r in resources:  # references stay inside the catalog
        for ref in (r.get("partOf"), r.get("managingOrganization")):
            if ref:
                assert ref["reference"].split("/")[1] in ids


def test_medication_resource_shape() -> None:
    m = catalog.medication_for("L04AB04")[0]
    resource = fhir_map.medication(m)
    assert resource["id"] == "med-adalimumab-40-syringe"
    assert {"system": fhir_map.ATC, "code": "L04AB04"} in resource["code"]["coding"]
    assert resource["identifier"][0] == {"system": fhir_map.GTIN, "value": m.gtin}
    extensions = {e["url"]: e for e in resource["extension"]}
    assert extensions[fhir_map.EXT_PRICE]["valueInteger"] == m.price_centavos
    cold = {e["url"]: e for e in extensions[fhir_map.EXT_COLD_CHAIN]["extension"]}
    assert cold["required"]["valueBoolean"] is True
    assert cold["range"]["valueRange"]["high"]["value"] == 8.0
    assert extensions[fhir_map.EXT_PACK_SIZE]["valueQuantity"]["value"] == 2
    metformin = fhir_map.medication(catalog.medication_for("A10BA02")[0])
    assert metformin["identifier"][1] == {"system": fhir_map.CNIS, "value": "010.000.5165.00"}
    assert catalog.medicine_by_gtin(m.gtin) == m
