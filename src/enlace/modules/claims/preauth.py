"""Prior authorization: the plan puts some medicines under it (coverage's `prior_authorization`
selectors: biologics, oral oncology); a claim for one must cite an approved preauthorization.

A `use=preauthorization` Claim approved (complete or partial) answers with
`ClaimResponse.preAuthRef` = `pa-<Claim id>` and `preAuthPeriod` (the service date and
`PRE_AUTH_DAYS` after). A later claim cites it in `insurance[focal].preAuthRef`; it is valid for
an item when it is the same patient and coverage, the item's medicine was approved in it, and
the claim's service date falls in its period. The reference names its own ClaimResponse
(`cr-<id>`) and Claim, so checking a batch's citations is two `current_many` reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from enlace.kernel import errors

from .domain import PRE_AUTH_DAYS, REASON_SYSTEM, ClaimItem, ParsedClaim
from .parse import parse

PREFIX = "pa-"


@dataclass(frozen=True)
class Authorization:
    patient_id: str
    coverage_id: str
    medications: frozenset[str]  # catalog slugs approved in it
    start: date
    end: date


Authorizations = dict[str, Authorization]  # preAuthRef -> what it authorizes


def reference(claim_id: str) -> str:
    return PREFIX + claim_id


def period(service_date: date) -> dict[str, str]:
    end = service_date + timedelta(days=PRE_AUTH_DAYS)
    return {"start": service_date.isoformat(), "end": end.isoformat()}


def load(services: Any, conn: Connection, claims: list[ParsedClaim] | Any) -> Authorizations:
    """The valid preauthorizations the claims cite, read at once (unknown or refused ones are
    simply absent: the item is then refused with the reason, not the claim with a 4xx)."""
    refs = {r for c in claims for r in c.pre_auth_refs if r.startswith(PREFIX)}
    if not refs:
        return {}
    ids = {r.removeprefix(PREFIX) for r in refs}
    responses = services.repo.current_many(conn, "ClaimResponse", {f"cr-{i}" for i in ids})
    requests = services.repo.current_many(conn, "Claim", ids)
    found: Authorizations = {}
    for claim_id in ids:
        response, request = responses.get(f"cr-{claim_id}"), requests.get(claim_id)
        if response is None or request is None or response.deleted or request.deleted:
            continue
        granted = _granted(response.resource(), request.resource(), claim_id)
        if granted is not None:
            found[reference(claim_id)] = granted
    return found


def _granted(
    response: dict[str, Any], request: dict[str, Any], claim_id: str
) -> Authorization | None:
    if response.get("use") != "preauthorization" or response.get("outcome") not in (
        "complete",
        "partial",
    ):
        return None
    if response.get("preAuthRef") != reference(claim_id):
        return None
    try:
        asked = parse(request, claim_id)
        window = response.get("preAuthPeriod", {})
        start, end = date.fromisoformat(window["start"]), date.fromisoformat(window["end"])
    except (errors.FhirError, KeyError, ValueError):
        return None
    approved = {i["itemSequence"] for i in response.get("item", []) if not _refused(i)}
    medications = frozenset(
        i.medication_slug for i in asked.items if i.sequence in approved and i.medication_slug
    )
    return Authorization(asked.patient_id, asked.coverage_id, medications, start, end)


def _refused(item: dict[str, Any]) -> bool:
    return any(
        coding.get("system") == REASON_SYSTEM
        for row in item.get("adjudication", [])
        for coding in row.get("reason", {}).get("coding", [])
    )


def cited(authorizations: Authorizations, claim: ParsedClaim, item: ClaimItem) -> bool:
    for ref in claim.pre_auth_refs:
        granted = authorizations.get(ref)
        if (
            granted is not None
            and granted.patient_id == claim.patient_id
            and granted.coverage_id == claim.coverage_id
            and item.medication_slug in granted.medications
            and granted.start <= claim.service_date <= granted.end
        ):
            return True
    return False


def missing(claim: ParsedClaim, item: ClaimItem) -> str:
    cited_refs = ", ".join(claim.pre_auth_refs)
    if not cited_refs:
        return f"the plan requires prior authorization for {item.medication_slug}; none cited"
    return (
        f"the plan requires prior authorization for {item.medication_slug}; {cited_refs} is not "
        f"an approved preauthorization of it for this patient and coverage on "
        f"{claim.service_date.isoformat()}"
    )
