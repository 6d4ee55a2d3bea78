"""Plans as FHIR InsurancePlan and coverage as FHIR Coverage, both ways.

R4's InsurancePlan can say what a plan covers and costs (coverage.benefit.limit,
plan.generalCost, plan.specificCost) but not which medicines a rule applies to, usage windows or
waiting periods. So the rules travel as Enlace extensions (one URL per rule kind, listed in
docs/coverage.md) and are what `plan_from_fhir` reads back; the standard elements are written
from the same rules for any FHIR client to show.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from typing import Any

from .domain import (
    Ceiling,
    CostShare,
    CoverageFacts,
    Deductible,
    FrequencyLimit,
    Network,
    Plan,
    QuantityLimit,
    Scope,
    Selector,
    Setting,
    Tier,
    WaitingPeriod,
)

BASE = "https://enlace.health/fhir"
SD = f"{BASE}/StructureDefinition"
EXT_TIER = f"{SD}/coverage-tier"
EXT_EXCLUSION = f"{SD}/coverage-exclusion"
EXT_DEDUCTIBLE = f"{SD}/coverage-deductible"
EXT_CEILING = f"{SD}/coverage-ceiling"
EXT_QUANTITY = f"{SD}/coverage-quantity-limit"
EXT_FREQUENCY = f"{SD}/coverage-frequency-limit"
EXT_WAITING = f"{SD}/coverage-waiting-period"
EXT_PRIOR_AUTH = f"{SD}/coverage-prior-authorization"
EXT_OUT_OF_NETWORK = f"{SD}/coverage-out-of-network"
EXT_DEPENDENTS = f"{SD}/coverage-max-dependents"
EXT_PLAN_REF = f"{SD}/coverage-insurance-plan"  # on Coverage: R4 has no element for it
EXT_PRE_EXISTING = f"{SD}/coverage-pre-existing"  # on Coverage: a therapeutic group
PLAN_KIND = f"{BASE}/CodeSystem/insurance-plan-kind"
BENEFIT_CATEGORY = f"{BASE}/CodeSystem/benefit-category"
COST_TYPE = f"{BASE}/CodeSystem/benefit-cost-type"
CONDITION_GROUP = f"{BASE}/CodeSystem/condition-group"
PLAN_ID = f"{BASE}/sid/insurance-plan"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
APPLICABILITY = "http://terminology.hl7.org/CodeSystem/applicability"
UCUM = "http://unitsofmeasure.org"


def organization(slug: str) -> str:
    return f"Organization/org-{slug}"


def money(centavos: int) -> dict[str, Any]:
    """FHIR Money is a decimal: centavos / 100, exact for any integer below 2^53."""
    return {"value": centavos / 100, "currency": "MXN"}


# -- rules as extensions ----------------------------------------------------------------------
def _selector(selector: Selector) -> list[dict[str, Any]]:
    return [
        *({"url": "atc", "valueString": p} for p in selector.atc_prefixes),
        *({"url": "group", "valueCode": g} for g in selector.groups),
    ]


def _cost(share: CostShare) -> list[dict[str, Any]]:
    if share.coinsurance_bp:
        return [{"url": "coinsuranceBasisPoints", "valueInteger": share.coinsurance_bp}]
    return [{"url": "copayCentavos", "valueInteger": share.copay_centavos}]


def _ext(url: str, *parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"url": url, "extension": [p for part in parts for p in part]}


def _int(name: str, value: int) -> list[dict[str, Any]]:
    return [{"url": name, "valueInteger": value}]


def _code(name: str, value: str | None) -> list[dict[str, Any]]:
    return [] if value is None else [{"url": name, "valueCode": str(value)}]


def rule_extensions(plan: Plan) -> list[dict[str, Any]]:
    out = [
        _ext(EXT_TIER, _code("tier", t.code), _selector(t.selector), _cost(t.cost_share))
        for t in plan.tiers
    ]
    out += [_ext(EXT_EXCLUSION, _selector(s)) for s in plan.exclusions]
    out += [
        _ext(EXT_DEDUCTIBLE, _code("scope", d.scope), _code("setting", d.setting), _int("amountCentavos", d.amount_centavos))
        for d in plan.deductibles
    ]  # fmt: skip
    out += [
        _ext(EXT_CEILING, _code("scope", c.scope), _code("category", c.category), _int("amountCentavos", c.amount_centavos))
        for c in plan.ceilings
    ]  # fmt: skip
    out += [
        _ext(EXT_QUANTITY, _selector(q.selector), _int("units", q.units), _int("days", q.days))
        for q in plan.quantity_limits
    ]
    out += [
        _ext(EXT_FREQUENCY, _selector(f.selector), _int("fills", f.fills), _int("days", f.days))
        for f in plan.frequency_limits
    ]
    out += [
        _ext(
            EXT_WAITING,
            _selector(w.selector),
            _int("days", w.days),
            [{"url": "preExistingOnly", "valueBoolean": w.pre_existing_only}],
        )
        for w in plan.waiting_periods
    ]
    out += [_ext(EXT_PRIOR_AUTH, _selector(s)) for s in plan.prior_authorization]
    if plan.network.out_of_network is not None:
        out.append(_ext(EXT_OUT_OF_NETWORK, _cost(plan.network.out_of_network)))
    out.append({"url": EXT_DEPENDENTS, "valueInteger": plan.max_dependents})
    return out


# -- the standard, human-facing part ------------------------------------------------------------
def _concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code, **({"display": display} if display else {})}
    return {"coding": [coding]}


def _describe(selector: Selector) -> str:
    parts = [f"ATC {', '.join(selector.atc_prefixes)}"] if selector.atc_prefixes else []
    if selector.groups:
        parts.append(f"grupos {', '.join(selector.groups)}")
    return "; ".join(parts)


def _cost_quantity(share: CostShare) -> dict[str, Any]:
    if share.coinsurance_bp:
        return {"value": share.coinsurance_bp / 100, "unit": "%", "system": UCUM, "code": "%"}
    return {"value": share.copay_centavos / 100, "unit": "MXN"}


def _specific_cost(plan: Plan) -> list[dict[str, Any]]:
    benefits = []
    for tier in plan.tiers:
        kind = "coinsurance" if tier.cost_share.coinsurance_bp else "copay"
        costs = [
            {
                "type": _concept(COST_TYPE, kind),
                "applicability": _concept(APPLICABILITY, "in-network"),
                "value": _cost_quantity(tier.cost_share),
            }
        ]
        out_share = plan.network.out_of_network
        if out_share is not None:
            out_kind = "coinsurance" if out_share.coinsurance_bp else "copay"
            costs.append(
                {
                    "type": _concept(COST_TYPE, out_kind),
                    "applicability": _concept(APPLICABILITY, "out-of-network"),
                    "value": _cost_quantity(out_share),
                }
            )
        benefits.append(
            {"type": {"text": f"{tier.code}: {_describe(tier.selector)}"}, "cost": costs}
        )
    return [{"category": _concept(BENEFIT_CATEGORY, "pharmacy", "Farmacia"), "benefit": benefits}]


def _general_cost(plan: Plan) -> list[dict[str, Any]]:
    costs = [
        {
            "type": _concept(COST_TYPE, f"deductible-{d.scope}"),
            "cost": money(d.amount_centavos),
            "comment": f"deducible por {d.scope} ({d.setting})",
        }
        for d in plan.deductibles
    ]
    costs += [
        {
            "type": _concept(COST_TYPE, f"ceiling-{c.scope}"),
            "cost": money(c.amount_centavos),
            "comment": f"tope anual por {c.scope}" + (f", {c.category}" if c.category else ""),
        }
        for c in plan.ceilings
    ]
    return costs


def _coverage(plan: Plan) -> list[dict[str, Any]]:
    benefits = []
    for tier in plan.tiers:
        limits = [
            {"value": {"value": q.units, "unit": f"unidades / {q.days} días"}, "code": {"text": _describe(q.selector)}}
            for q in plan.quantity_limits
        ]  # fmt: skip
        requirement = [_describe(s) for s in plan.prior_authorization]
        benefit: dict[str, Any] = {"type": {"text": f"{tier.code}: {_describe(tier.selector)}"}}
        if requirement:
            benefit["requirement"] = "autorización previa: " + " | ".join(requirement)
        if limits:
            benefit["limit"] = limits
        benefits.append(benefit)
    return [{"type": _concept(BENEFIT_CATEGORY, "pharmacy", "Farmacia"), "benefit": benefits}]


def insurance_plan(plan: Plan) -> dict[str, Any]:
    payer = {"reference": organization(plan.payer)}
    summary = html.escape(f"{plan.name}. {plan.assumptions}")
    return {
        "resourceType": "InsurancePlan",
        "id": plan.id,
        "text": {
            "status": "generated",
            "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{summary}</div>',
        },
        "extension": rule_extensions(plan),
        "identifier": [{"system": PLAN_ID, "value": plan.id}],
        "status": "active",
        "type": [_concept(PLAN_KIND, plan.kind)],
        "name": plan.name,
        "ownedBy": payer,
        "administeredBy": payer,
        "network": [{"reference": organization(o)} for o in plan.network.organizations],
        "coverage": _coverage(plan),
        "plan": [
            {
                "identifier": [{"system": PLAN_ID, "value": plan.id}],
                "type": _concept(PLAN_KIND, plan.kind),
                **({"generalCost": costs} if (costs := _general_cost(plan)) else {}),
                "specificCost": _specific_cost(plan),
            }
        ],
    }


# -- reading the rules back ---------------------------------------------------------------------
def _parts(extension: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
        (p["url"], next(v for k, v in p.items() if k.startswith("value")))
        for p in extension.get("extension", [])
    ]


def _read_selector(parts: list[tuple[str, Any]]) -> Selector:
    return Selector(
        tuple(v for k, v in parts if k == "atc"), tuple(v for k, v in parts if k == "group")
    )


def _one(parts: list[tuple[str, Any]], name: str, default: Any = None) -> Any:
    return next((v for k, v in parts if k == name), default)


def _read_cost(parts: list[tuple[str, Any]]) -> CostShare:
    return CostShare(_one(parts, "copayCentavos", 0), _one(parts, "coinsuranceBasisPoints", 0))


_READERS: dict[str, Callable[[list[tuple[str, Any]]], Any]] = {
    EXT_TIER: lambda p: Tier(_one(p, "tier"), _read_selector(p), _read_cost(p)),
    EXT_EXCLUSION: _read_selector,
    EXT_PRIOR_AUTH: _read_selector,
    EXT_DEDUCTIBLE: lambda p: Deductible(
        Scope(_one(p, "scope")), _one(p, "amountCentavos"), Setting(_one(p, "setting"))
    ),
    EXT_CEILING: lambda p: Ceiling(
        Scope(_one(p, "scope")), _one(p, "amountCentavos"), _one(p, "category")
    ),
    EXT_QUANTITY: lambda p: QuantityLimit(_read_selector(p), _one(p, "units"), _one(p, "days")),
    EXT_FREQUENCY: lambda p: FrequencyLimit(_read_selector(p), _one(p, "fills"), _one(p, "days")),
    EXT_WAITING: lambda p: WaitingPeriod(
        _read_selector(p), _one(p, "days"), _one(p, "preExistingOnly", False)
    ),
    EXT_OUT_OF_NETWORK: _read_cost,
}


def plan_from_fhir(resource: dict[str, Any]) -> Plan:
    """The rules of a stored InsurancePlan (written by `insurance_plan`)."""
    found: dict[str, list[Any]] = {url: [] for url in _READERS}
    dependents = 0
    for extension in resource.get("extension", []):
        url = extension.get("url")
        if url == EXT_DEPENDENTS:
            dependents = extension["valueInteger"]
        elif url in _READERS:
            found[url].append(_READERS[url](_parts(extension)))
    networks = [
        n["reference"].removeprefix("Organization/org-") for n in resource.get("network", [])
    ]
    out_of_network = found[EXT_OUT_OF_NETWORK][0] if found[EXT_OUT_OF_NETWORK] else None
    kind = resource.get("type", [{}])[0].get("coding", [{}])[0].get("code", "")
    return Plan(
        id=resource["id"],
        name=resource.get("name", ""),
        payer=resource["ownedBy"]["reference"].removeprefix("Organization/org-"),
        kind=kind,
        tiers=tuple(found[EXT_TIER]),
        network=Network(tuple(networks), out_of_network),
        exclusions=tuple(found[EXT_EXCLUSION]),
        deductibles=tuple(found[EXT_DEDUCTIBLE]),
        ceilings=tuple(found[EXT_CEILING]),
        quantity_limits=tuple(found[EXT_QUANTITY]),
        frequency_limits=tuple(found[EXT_FREQUENCY]),
        waiting_periods=tuple(found[EXT_WAITING]),
        prior_authorization=tuple(found[EXT_PRIOR_AUTH]),
        max_dependents=dependents,
    )


# -- Coverage ---------------------------------------------------------------------------------
def coverage(
    coverage_id: str,
    patient: str,
    plan: Plan,
    start: date,
    subscriber: str | None = None,
    relationship: str = "self",
    pre_existing: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A Coverage of `patient` (a Patient id) under `plan`; family members name their
    subscriber and share the subscriber's policy number (subscriberId)."""
    holder = subscriber or patient
    return {
        "resourceType": "Coverage",
        "id": coverage_id,
        "extension": [
            {"url": EXT_PLAN_REF, "valueReference": {"reference": f"InsurancePlan/{plan.id}"}},
            *({"url": EXT_PRE_EXISTING, "valueCode": g} for g in pre_existing),
        ],
        "status": "active",
        "policyHolder": {"reference": f"Patient/{holder}"},
        "subscriber": {"reference": f"Patient/{holder}"},
        "subscriberId": f"pol-{holder}",
        "beneficiary": {"reference": f"Patient/{patient}"},
        "relationship": _concept(RELATIONSHIP, relationship),
        "period": {"start": start.isoformat()},
        "payor": [{"reference": organization(plan.payer)}],
        "class": [{"type": _concept(COVERAGE_CLASS, "plan"), "value": plan.id, "name": plan.name}],
    }


def plan_id_of(resource: dict[str, Any]) -> str | None:
    for extension in resource.get("extension", []):
        if extension.get("url") == EXT_PLAN_REF:
            return str(extension["valueReference"]["reference"]).removeprefix("InsurancePlan/")
    for item in resource.get("class", []):
        if any(c.get("code") == "plan" for c in item.get("type", {}).get("coding", [])):
            return str(item.get("value"))
    return None


def coverage_facts(resource: dict[str, Any]) -> CoverageFacts:
    """ValueError when the Coverage names no plan or no start date (it cannot be evaluated)."""
    plan_id = plan_id_of(resource)
    period = resource.get("period", {})
    if plan_id is None or "start" not in period:
        raise ValueError("the Coverage names no plan (class 'plan') or no period.start")
    end = period.get("end")
    if len(period["start"]) < 10 or (end and len(end) < 10):
        raise ValueError("the Coverage period needs full dates")
    return CoverageFacts(
        coverage_id=resource["id"],
        policy_id=resource.get("subscriberId") or resource["id"],
        plan_id=plan_id,
        active=resource.get("status") == "active",
        start=date.fromisoformat(period["start"][:10]),
        end=date.fromisoformat(end[:10]) if end else None,
        pre_existing=frozenset(
            e["valueCode"]
            for e in resource.get("extension", [])
            if e.get("url") == EXT_PRE_EXISTING
        ),
    )
