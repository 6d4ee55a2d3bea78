"""An eligibility result as the R4 CoverageEligibilityResponse answered in the same exchange.

Per item: `excluded` when not covered, with the reason as an Enlace coding (openIMIS-like);
`benefit` lists the patient's share, the payer's part and every limit (allowed / used, in MXN,
dose units or fills); `authorizationRequired`; the formulary alternative as an extension. Exact
centavos travel in `valueInteger` extensions beside the decimal Money FHIR requires.
"""

from __future__ import annotations

from typing import Any

from .domain import CoverageFacts, EligibilityResult, ItemResult, Plan, Remaining
from .fhir_map import BASE, SD, money
from .request_parse import ParsedRequest

EXT_REASON = f"{SD}/eligibility-reason"
EXT_PATIENT_SHARE = f"{SD}/eligibility-patient-share-centavos"
EXT_PAYER_SHARE = f"{SD}/eligibility-payer-share-centavos"
EXT_ALTERNATIVE = f"{SD}/eligibility-formulary-alternative"
REASON_SYSTEM = f"{BASE}/CodeSystem/eligibility-reason"
LIMIT_SYSTEM = f"{BASE}/CodeSystem/eligibility-limit"
BENEFIT_TYPE = "http://terminology.hl7.org/CodeSystem/benefit-type"
NETWORK = "http://terminology.hl7.org/CodeSystem/benefit-network"
ATC = "http://www.whocc.no/atc"
_REASON_TEXT = {
    "not-covered": "El plan no cubre este medicamento",
    "excluded": "Medicamento excluido por el plan",
    "no-policy": "Sin póliza vigente",
    "no-coverage-on-date": "Sin cobertura en la fecha",
    "waiting-period": "En periodo de espera",
    "category-limit": "Tope de la categoría agotado",
    "ceiling": "Suma asegurada anual agotada",
    "frequency": "Excede la frecuencia permitida",
    "quantity": "Excede la cantidad permitida",
    "out-of-network": "Proveedor fuera de la red",
}


def response(
    parsed: ParsedRequest,
    request_body: dict[str, Any],
    insurer: str,
    insurance: list[dict[str, Any]],
    created: str,
) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "resourceType": "CoverageEligibilityResponse",
        "status": "active",
        "purpose": list(parsed.purposes),
        "patient": {"reference": f"Patient/{parsed.patient_id}"},
        "servicedDate": parsed.on_date.isoformat(),
        "created": created,
        "request": _request_reference(request_body),
        "outcome": "complete",
        "insurer": {"reference": insurer},
    }
    if insurance:
        answer["insurance"] = insurance
    return answer


def _request_reference(body: dict[str, Any]) -> dict[str, Any]:
    """The request is answered, not stored: named by its id or identifier when it has them."""
    if body.get("id"):
        return {"reference": f"CoverageEligibilityRequest/{body['id']}"}
    if body.get("identifier"):
        return {"identifier": body["identifier"][0]}
    return {"display": "CoverageEligibilityRequest submitted with this response"}


def insurance_entry(
    facts: CoverageFacts, plan: Plan | None, result: EligibilityResult | None, details: bool
) -> dict[str, Any]:
    period = {
        "start": facts.start.isoformat(),
        **({"end": facts.end.isoformat()} if facts.end else {}),
    }
    entry: dict[str, Any] = {
        "coverage": {"reference": f"Coverage/{facts.coverage_id}"},
        "inforce": result.in_force if result is not None else facts.active,
        "benefitPeriod": period,
    }
    if result is not None and details and result.items:
        entry["item"] = [_item(plan, r) for r in result.items]
    return entry


def _item(plan: Plan | None, result: ItemResult) -> dict[str, Any]:
    extensions: list[dict[str, Any]] = [
        {"url": EXT_PATIENT_SHARE, "valueInteger": result.patient_centavos},
        {"url": EXT_PAYER_SHARE, "valueInteger": result.payer_centavos},
    ]
    if result.reason is not None:
        coding = {"system": REASON_SYSTEM, "code": str(result.reason)}
        extensions.append({"url": EXT_REASON, "valueCoding": coding})
    if result.alternative is not None:
        alternative = {"reference": f"Medication/med-{result.alternative.slug}"}
        extensions.append({"url": EXT_ALTERNATIVE, "valueReference": alternative})
    product = result.product
    item: dict[str, Any] = {
        "extension": extensions,
        "productOrService": {
            "coding": [{"system": ATC, "code": product.atc}],
            "text": product.slug,
        },
        "excluded": not result.covered,
        "name": product.slug,
        "network": {"coding": [{"system": NETWORK, "code": "in" if result.in_network else "out"}]},
        "benefit": _benefits(result),
        "authorizationRequired": result.prior_authorization,
    }
    if result.reason is not None:
        item["description"] = _REASON_TEXT[str(result.reason)]
    elif plan is not None and result.tier:
        item["description"] = f"{plan.name}: nivel {result.tier}"
    return item


def _benefits(result: ItemResult) -> list[dict[str, Any]]:
    benefits = [
        _money_benefit(BENEFIT_TYPE, "benefit", "Pago del plan", result.payer_centavos, None),
        _money_benefit(LIMIT_SYSTEM, "patient-share", "Pago del paciente", result.patient_centavos, None),
    ]  # fmt: skip
    for limit in result.remaining:
        benefits.append(_limit(limit))
    return benefits


def _money_benefit(
    system: str, code: str, text: str, allowed: int, used: int | None
) -> dict[str, Any]:
    benefit: dict[str, Any] = {
        "type": {"coding": [{"system": system, "code": code}], "text": text},
        "allowedMoney": money(allowed),
    }
    if used is not None:
        benefit["usedMoney"] = money(used)
    return benefit


def _limit(limit: Remaining) -> dict[str, Any]:
    if limit.unit == "centavos":
        return _money_benefit(LIMIT_SYSTEM, limit.name, limit.name, limit.allowed, limit.used)
    return {
        "type": {"coding": [{"system": LIMIT_SYSTEM, "code": limit.name}], "text": limit.unit},
        "allowedUnsignedInt": limit.allowed,
        "usedUnsignedInt": limit.used,
    }
