"""A Claim (structurally valid R4) read into a `ParsedClaim`; every problem names its element.

Nothing here touches the database. A pharmacy claim item names:
- the medicine by a GTIN coding of `productOrService` (system `https://www.gs1.org/gtin`);
- `quantity` in packs (a whole number, 1 to 10,000) and `unitPrice` in MXN, whole centavos;
- each dispensed pack by the extension `PACK_EXTENSION` (valueString: the pack's GS1 code in
  any form: Digital Link, HRI or DataMatrix content), once per pack.
The pack could also travel as `item.udi` → a contained Device with `udiCarrier.carrierHRF`; an
extension keeps the claim self-contained and one lookup away, so that is the form we accept.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from enlace.fhir.references import local_id
from enlace.kernel import errors
from enlace.kernel.errors import Issue
from enlace.kernel.money import whole_centavos
from enlace.modules.catalog import Medicine, medicine_by_gtin
from enlace.modules.trace import TraceError, canonical_pack

from .domain import ClaimItem, ParsedClaim

WHERE = "Claim"
PACK_EXTENSION = "https://enlace.health/fhir/StructureDefinition/claim-item-pack"
GTIN_SYSTEM = "https://www.gs1.org/gtin"
USES = ("claim", "preauthorization", "predetermination")
MAX_ITEM_CENTAVOS = 2_000_000_000  # amounts travel as 32-bit FHIR integers in extensions
INVALID = -1


def parse(body: dict[str, Any], claim_id: str) -> ParsedClaim:
    issues: list[Issue] = []
    use = body.get("use")
    if use not in USES:
        issues.append(_bad(f"use is one of {', '.join(USES)}", "use"))
    patient = local_id(body.get("patient", {}), "Patient")
    if patient is None:
        issues.append(_bad("must reference a Patient by id", "patient"))
    provider = local_id(body.get("provider", {}), "Organization")
    if provider is None or not provider.startswith("org-"):
        issues.append(_bad("must reference the pharmacy's Organization/org-<slug>", "provider"))
    coverage = _coverage(body, issues)
    prescription = local_id(body.get("prescription") or {}, "MedicationRequest")
    if body.get("prescription") and prescription is None:
        issues.append(_bad("must reference a MedicationRequest by id", "prescription"))
    _total(body.get("total"), issues)
    items = tuple(_items(body, issues, packs_required=use == "claim"))
    service_date = _service_date(body, issues)
    if issues:
        raise errors.FhirError(400, issues)
    assert patient and provider and coverage and service_date and isinstance(use, str)
    return ParsedClaim(
        claim_id=claim_id,
        claim_key=_claim_key(body, claim_id),
        use=use,
        patient_id=patient,
        coverage_id=coverage,
        provider_slug=provider.removeprefix("org-"),
        prescription_id=prescription,
        service_date=service_date,
        diagnosis=_diagnosis(body),
        items=items,
        pre_auth_refs=_pre_auth_refs(body),
    )


def _claim_key(body: dict[str, Any], claim_id: str) -> str:
    for identifier in body.get("identifier", []):
        if identifier.get("value"):
            return f"{identifier.get('system', '')}|{identifier['value']}"[:300]
    return f"Claim/{claim_id}"


def _coverage(body: dict[str, Any], issues: list[Issue]) -> str | None:
    insurance = body.get("insurance", [])
    focal = [i for i in insurance if i.get("focal")] or insurance[:1]
    if not focal:
        issues.append(_bad("a claim needs its insurance", "insurance"))
        return None
    found = local_id(focal[0].get("coverage", {}), "Coverage")
    if found is None:
        at = insurance.index(focal[0])
        issues.append(_bad("must reference a Coverage by id", f"insurance[{at}].coverage"))
    return found


def _pre_auth_refs(body: dict[str, Any]) -> tuple[str, ...]:
    insurance = body.get("insurance", [])
    focal = [i for i in insurance if i.get("focal")] or insurance[:1]
    refs = focal[0].get("preAuthRef", []) if focal else []
    return tuple(str(ref) for ref in refs if isinstance(ref, str) and ref)


def _service_date(body: dict[str, Any], issues: list[Issue]) -> date | None:
    """The first item's servicedDate, else the day the claim was created."""
    items = body.get("item", [])
    raw, field = (items[0].get("servicedDate"), "item[0].servicedDate") if items else (None, "")
    if not raw:
        raw, field = body.get("created"), "created"
    try:
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        issues.append(_bad("a claim is adjudicated on a full date (YYYY-MM-DD)", field))
        return None


def _diagnosis(body: dict[str, Any]) -> str | None:
    for diagnosis in body.get("diagnosis", []):
        for coding in diagnosis.get("diagnosisCodeableConcept", {}).get("coding", []):
            if coding.get("code"):
                return f"{coding.get('system', '')}|{coding['code']}"
    return None


def _total(money: dict[str, Any] | None, issues: list[Issue]) -> None:
    if money is not None:
        _centavos(money, "total", issues)


def _items(body: dict[str, Any], issues: list[Issue], packs_required: bool) -> list[ClaimItem]:
    items = []
    if not body.get("item"):
        issues.append(_bad("a pharmacy claim has at least one item", "item"))
    for i, raw in enumerate(body.get("item", [])):
        item = _item(raw, f"item[{i}]", issues, packs_required)
        if item is not None:
            items.append(item)
    return items


def _item(
    raw: dict[str, Any], path: str, issues: list[Issue], packs_required: bool
) -> ClaimItem | None:
    before = len(issues)
    medicine = _medicine(raw.get("productOrService", {}), f"{path}.productOrService", issues)
    packs = _packs(raw.get("quantity"), f"{path}.quantity", issues)
    price = INVALID
    if raw.get("unitPrice") is None:
        issues.append(_bad("the unit price of a pack is required", f"{path}.unitPrice"))
    else:
        price = _centavos(raw["unitPrice"], f"{path}.unitPrice", issues)
    if packs and price > 0 and packs * price > MAX_ITEM_CENTAVOS:
        issues.append(_bad("an item is at most 20,000,000 MXN", f"{path}.unitPrice"))
    epcs = _pack_epcs(raw, path, medicine, packs, issues, packs_required)
    if len(issues) > before or packs is None:
        return None
    slug = medicine.slug if isinstance(medicine, Medicine) else ""
    return ClaimItem(int(raw.get("sequence", 0)), slug, packs, price, epcs)


def _medicine(concept: dict[str, Any], path: str, issues: list[Issue]) -> Medicine | str | None:
    """The catalog medicine, or the GTIN when the price list does not have it (an item
    refused as not-in-price-list, not a malformed claim)."""
    for coding in concept.get("coding", []):
        if coding.get("system") == GTIN_SYSTEM and coding.get("code"):
            gtin = str(coding["code"])
            return medicine_by_gtin(gtin) or gtin
    issues.append(_bad(f"name the medicine by a GTIN coding ({GTIN_SYSTEM})", path))
    return None


def _packs(quantity: dict[str, Any] | None, path: str, issues: list[Issue]) -> int | None:
    value = (quantity or {}).get("value")
    if not isinstance(value, (int, float)) or value != int(value) or not 1 <= value <= 10_000:
        issues.append(_bad("quantity counts packs: a whole number from 1 to 10000", path))
        return None
    return int(value)


def _centavos(money: dict[str, Any], path: str, issues: list[Issue]) -> int:
    if money.get("currency") != "MXN":
        issues.append(_bad("amounts are in MXN", f"{path}.currency"))
        return INVALID
    centavos = whole_centavos(money.get("value"))
    if centavos is None:
        issues.append(_bad("a non-negative amount in whole centavos", f"{path}.value"))
        return INVALID
    return centavos


def _pack_epcs(
    raw: dict[str, Any],
    path: str,
    medicine: Medicine | str | None,
    packs: int | None,
    issues: list[Issue],
    required: bool,
) -> tuple[str, ...]:
    """The packs named on the item: one per pack on a claim; a preauthorization or
    predetermination asks before dispensing, so it may name none (or all)."""
    gtin = medicine.gtin if isinstance(medicine, Medicine) else medicine
    epcs = []
    for j, extension in enumerate(raw.get("extension", [])):
        if extension.get("url") != PACK_EXTENSION:
            continue
        where = f"{path}.extension[{j}].valueString"
        try:
            epc = canonical_pack(str(extension.get("valueString", "")))
        except TraceError as exc:
            issues.append(_bad(f"not a readable pack code: {exc.message}", where))
            continue
        if gtin and f"/01/{gtin}/" not in epc:
            issues.append(_bad(f"the pack is not a pack of GTIN {gtin}", where))
        epcs.append(epc)
    if packs is not None and len(epcs) != packs and (required or epcs):
        issues.append(
            _bad(f"name each of the {packs} packs with a {PACK_EXTENSION} extension", path)
        )
    if len(set(epcs)) != len(epcs):
        issues.append(_bad("the same pack is named twice", path))
    return tuple(epcs)


def _bad(diagnostics: str, path: str) -> Issue:
    return Issue("invalid", diagnostics, f"{WHERE}.{path}")
