"""Use cases: load the plans; check eligibility (Python API and CoverageEligibilityRequest).

Prescribing and dispensing call `check` (in process, in their transaction) and, when they
dispense, `record_usage` with its result; the FHIR operation
`CoverageEligibilityRequest/$submit` calls `eligibility`. Neither writes anything: a check is a
question, usage counts only once something is dispensed or paid.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.kernel.clock import fhir_instant
from enlace.kernel.errors import Issue
from enlace.modules.catalog import CatalogServices, LoadReport, load_reference

from . import fhir_map, response_map, store
from .domain import CoverageFacts, EligibilityResult, Item, Network, Plan
from .eligibility import check_eligibility, stored_usage
from .plans_data import PLANS
from .request_parse import WHERE, ParsedRequest, parse

# Asked before a Coverage or Patient is read: raises (403/404) when the asker may not see it.
Authorize = Callable[[str, str], None]
PURPOSES = ("validation", "benefits", "auth-requirements", "discovery")


CoverageServices = CatalogServices  # db, repo and validate, as reference data loads need


def plan_resources() -> list[dict[str, Any]]:
    return [fhir_map.insurance_plan(p) for p in PLANS]


def load_plans(services: CoverageServices) -> LoadReport:
    """Validate every InsurancePlan, then write them in one transaction (idempotent)."""
    report = load_reference(services, plan_resources())
    store.forget_plans()
    return report


# -- the Python API ---------------------------------------------------------------------------
def check(
    services: CoverageServices,
    conn: Connection,
    coverage_id: str,
    items: Sequence[Item],
    on_date: date,
    lock: bool = False,
) -> EligibilityResult:
    """Eligibility of `items` under a stored Coverage. A missing or unreadable Coverage or plan
    is answered as no policy (reason NO_POLICY), never raised: the caller decides. A caller
    that will `record_usage` in the same write transaction passes `lock=True`: the coverage's
    and policy's usage stay locked until it commits (see `store.lock_usage`)."""
    coverage = store.resource(services.repo, conn, "Coverage", coverage_id)
    facts = _facts_or_none(coverage)
    plan = store.plan(services.repo, conn, facts.plan_id) if facts else None
    if facts is None or plan is None:
        facts = CoverageFacts(coverage_id, coverage_id, "", False, on_date, None)
        return check_eligibility(_NO_PLAN, facts, {}, items, on_date)
    if lock:
        store.lock_usage(conn, (facts.coverage_id, facts.policy_id))
    usage = store.usage(conn, facts.coverage_id, facts.policy_id)
    return check_eligibility(plan, facts, usage, items, on_date, store.products())


def record_usage(conn: Connection, result: EligibilityResult) -> None:
    """Count what was dispensed (the covered items of `result`) against the limits."""
    store.add_usage(conn, stored_usage(result))


def release_usage(conn: Connection, usage: Mapping[tuple[str, str, str], int]) -> None:
    """Give back usage recorded earlier (`CoverageBatch.record`'s answer), e.g. for a claim
    that a reviewer denied, under the same per-holder lock as recording."""
    store.lock_usage(conn, {holder for holder, _, _ in usage})
    store.add_usage(conn, {key: -amount for key, amount in usage.items()})


def item(medication_slug: str, packs: int = 1, provider: str | None = None) -> Item:
    """An item for `check`: a catalog medicine (slug without `med-`) at its reference price."""
    product = store.product_by_slug(medication_slug)
    if product is None:
        raise KeyError(f"Medication/med-{medication_slug} is not in the formulary")
    return Item(product, packs, product.price_centavos, provider)


_NO_PLAN = Plan("", "", "", "", (), Network(()))  # what a missing coverage is checked against


def _facts_or_none(coverage: dict[str, Any] | None) -> CoverageFacts | None:
    if coverage is None:
        return None
    try:
        return fhir_map.coverage_facts(coverage)
    except ValueError:
        return None


# -- the FHIR operation -----------------------------------------------------------------------
def eligibility(
    services: CoverageServices,
    conn: Connection,
    request_resource: dict[str, Any],
    authorize: Authorize | None = None,
) -> dict[str, Any]:
    """The CoverageEligibilityResponse for a (structurally valid) CoverageEligibilityRequest.

    4xx naming the element: unknown patient or coverage, a coverage of someone else or not in
    force on the date, malformed items, unknown medicines."""
    parsed = parse(request_resource)
    check_access = authorize or (lambda kind, rid: None)
    _known(services, conn, check_access, "Patient", parsed.patient_id, "patient")
    coverage_ids = parsed.coverage_ids
    if not coverage_ids:
        if "discovery" not in parsed.purposes:
            raise _unprocessable(
                "insurance[].coverage is required unless purpose is discovery", "insurance"
            )
        coverage_ids = tuple(store.coverage_ids_of(conn, parsed.patient_id))
    insurance, insurers = [], []
    for index, coverage_id in enumerate(coverage_ids):
        where = f"insurance[{index}].coverage" if parsed.coverage_ids else "patient"
        coverage = _known(services, conn, check_access, "Coverage", coverage_id, where)
        entry, payer = _insurance(services, conn, parsed, coverage, where)
        insurance.append(entry)
        insurers.append(payer)
    insurer = fhir_map.organization(insurers[0]) if insurers else _named_insurer(request_resource)
    created = fhir_instant(services.repo.clock())
    return response_map.response(parsed, request_resource, insurer, insurance, created)


def _known(
    services: CoverageServices,
    conn: Connection,
    authorize: Authorize,
    kind: str,
    rid: str,
    where: str,
) -> dict[str, Any]:
    """The resource, if it exists and the asker may read it; the same 422 naming the element
    whether it is absent or hidden from the asker (so ids cannot be probed)."""
    try:
        authorize(kind, rid)
    except errors.FhirError as exc:
        if exc.status != 404:
            raise
        raise _unprocessable(f"{kind}/{rid} is not known", where) from None
    found = store.resource(services.repo, conn, kind, rid)
    if found is None:
        raise _unprocessable(f"{kind}/{rid} is not known", where)
    return found


def _insurance(
    services: CoverageServices,
    conn: Connection,
    parsed: ParsedRequest,
    coverage: dict[str, Any],
    where: str,
) -> tuple[dict[str, Any], str]:
    coverage_id = coverage["id"]
    beneficiary = coverage.get("beneficiary", {}).get("reference")
    if beneficiary != f"Patient/{parsed.patient_id}":
        raise _unprocessable(
            f"Coverage/{coverage_id} does not cover Patient/{parsed.patient_id}", where
        )
    try:
        facts = fhir_map.coverage_facts(coverage)
    except ValueError as exc:
        raise _unprocessable(f"Coverage/{coverage_id} cannot be evaluated: {exc}", where) from None
    plan = store.plan(services.repo, conn, facts.plan_id)
    if plan is None:
        raise _unprocessable(f"Coverage/{coverage_id} names no known InsurancePlan", where)
    if parsed.coverage_ids and not facts.in_force(parsed.on_date):
        raise _unprocessable(
            f"Coverage/{coverage_id} is not in force on {parsed.on_date.isoformat()} "
            f"(period {facts.start.isoformat()} to {facts.end.isoformat() if facts.end else 'open'})",
            "servicedDate",
        )
    usage = store.usage(conn, facts.coverage_id, facts.policy_id)
    result = check_eligibility(plan, facts, usage, parsed.items, parsed.on_date, store.products())
    details = bool({"benefits", "auth-requirements"} & set(parsed.purposes))
    return response_map.insurance_entry(facts, plan, result, details), plan.payer


def _named_insurer(body: dict[str, Any]) -> str:
    """Discovery that found no coverage answers for the insurer the request named."""
    return str(body.get("insurer", {}).get("reference", ""))


def _unprocessable(diagnostics: str, path: str) -> errors.FhirError:
    return errors.FhirError(422, [Issue("business-rule", diagnostics, f"{WHERE}.{path}")])
