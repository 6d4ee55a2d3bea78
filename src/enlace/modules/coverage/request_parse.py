"""A CoverageEligibilityRequest (already structurally valid R4) read into eligibility items.

Every problem is reported with the element it is in; nothing here touches the database.
A medicine is named by `item.detail` (a catalog `Medication/med-<slug>`) or by a coding of
`item.productOrService` (GTIN: one presentation; ATC: its cheapest presentation). `quantity`
counts packs (a positive whole number; default 1); `unitPrice` is in MXN with whole centavos
(default: the catalog's reference price).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from enlace.fhir.references import local_id
from enlace.kernel import errors
from enlace.kernel.errors import Issue
from enlace.kernel.money import whole_centavos

from . import store
from .domain import Item, Setting

WHERE = "CoverageEligibilityRequest"
SETTING_SYSTEM = "https://enlace.health/fhir/CodeSystem/benefit-setting"
# Amounts travel as FHIR integers (32 bits) in the response: no item may exceed them.
MAX_ITEM_CENTAVOS = 2_000_000_000


@dataclass(frozen=True)
class ParsedRequest:
    purposes: tuple[str, ...]
    patient_id: str
    on_date: date
    coverage_ids: tuple[str, ...]  # from insurance[].coverage, in order
    items: tuple[Item, ...]
    item_paths: tuple[str, ...]  # where each item came from, for error messages


def parse(body: dict[str, Any]) -> ParsedRequest:
    issues: list[Issue] = []
    patient = local_id(body.get("patient", {}), "Patient")
    if patient is None:
        issues.append(_bad("patient must reference a Patient by id", "patient"))
    coverage_ids = []
    for i, insurance in enumerate(body.get("insurance", [])):
        cid = local_id(insurance.get("coverage", {}), "Coverage")
        if cid is None:
            issues.append(_bad("must reference a Coverage by id", f"insurance[{i}].coverage"))
        else:
            coverage_ids.append(cid)
    on_date = _service_date(body, issues)
    default_provider = _organization(body.get("facility"))
    items, paths = [], []
    for i, raw in enumerate(body.get("item", [])):
        item = _item(raw, f"item[{i}]", default_provider, issues)
        if item is not None:
            items.append(item)
            paths.append(f"{WHERE}.item[{i}]")
    if issues:
        raise errors.FhirError(_status(issues), issues)
    assert patient is not None and on_date is not None
    return ParsedRequest(
        tuple(body["purpose"]), patient, on_date, tuple(coverage_ids), tuple(items), tuple(paths)
    )


def _service_date(body: dict[str, Any], issues: list[Issue]) -> date | None:
    """servicedDate, else the day of `created`; R4 allows "2026" or "2026-02", a check needs a day."""
    field = "servicedDate" if body.get("servicedDate") else "created"
    try:
        return date.fromisoformat(str(body[field])[:10])
    except ValueError:
        issues.append(_bad("eligibility is checked on a full date (YYYY-MM-DD)", field))
        return None


def _status(issues: list[Issue]) -> int:
    """Unknown medicines are well-formed but unprocessable (422); anything else is a 400."""
    return 422 if all(i.code == "not-found" for i in issues) else 400


def _bad(diagnostics: str, path: str, code: str = "invalid") -> Issue:
    return Issue(code, diagnostics, f"{WHERE}.{path}")


def _organization(reference: dict[str, Any] | None) -> str | None:
    if not reference or "reference" not in reference:
        return None
    return store.institution_of(reference["reference"])


def _item(raw: dict[str, Any], path: str, provider: str | None, issues: list[Issue]) -> Item | None:
    product = _product(raw, path, issues)
    packs = _packs(raw.get("quantity"), f"{path}.quantity", issues)
    price = _price(raw.get("unitPrice"), f"{path}.unitPrice", issues)
    own_provider = _organization(raw.get("facility")) or provider
    if product is None or packs is None or price == INVALID:
        return None
    unit_price = product.price_centavos if price is None else price
    if packs * unit_price > MAX_ITEM_CENTAVOS:
        issues.append(_bad("the item's amount is over 20,000,000 MXN", path))
        return None
    return Item(product, packs, unit_price, own_provider, _setting(raw))


def _product(raw: dict[str, Any], path: str, issues: list[Issue]) -> Any:
    for j, detail in enumerate(raw.get("detail", [])):
        slug = local_id(detail, "Medication")
        if slug is not None:
            found = store.product_by_slug(slug.removeprefix("med-"))
            if found is None:
                issues.append(
                    _bad(
                        f"Medication/{slug} is not in the formulary",
                        f"{path}.detail[{j}]",
                        "not-found",
                    )
                )
            return found
    codings = raw.get("productOrService", {}).get("coding", [])
    for coding in codings:
        found = store.product_by_code(coding.get("system", ""), coding.get("code", ""))
        if found is not None:
            return found
    if codings:
        issues.append(
            _bad(
                "no coding names a medicine of the formulary (GTIN or ATC)",
                f"{path}.productOrService",
                "not-found",
            )
        )
    else:
        issues.append(
            _bad("the item names no medicine (productOrService or detail)", path, "required")
        )
    return None


def _packs(quantity: dict[str, Any] | None, path: str, issues: list[Issue]) -> int | None:
    if quantity is None:
        return 1
    value = quantity.get("value")
    if not isinstance(value, (int, float)) or value != int(value) or value < 1 or value > 10_000:
        issues.append(
            _bad("quantity counts packs: a whole number from 1 to 10000", f"{path}.value")
        )
        return None
    return int(value)


INVALID = -1  # a reported problem


def _price(money: dict[str, Any] | None, path: str, issues: list[Issue]) -> int | None:
    """Whole centavos, None when absent, INVALID (reported) when wrong."""
    if money is None:
        return None
    if money.get("currency", "MXN") != "MXN":
        issues.append(_bad("prices are in MXN", f"{path}.currency"))
        return INVALID
    centavos = whole_centavos(money.get("value"))
    if centavos is None:
        issues.append(_bad("a price is a non-negative amount in whole centavos", f"{path}.value"))
        return INVALID
    return centavos


def _setting(raw: dict[str, Any]) -> Setting:
    for coding in raw.get("category", {}).get("coding", []):
        if coding.get("system") == SETTING_SYSTEM and coding.get("code") == "inpatient":
            return Setting.INPATIENT
    return Setting.OUTPATIENT
