"""A dispense as the pharmacist asks for it (Parameters of `MedicationDispense/$dispense`), read
into a `DispenseRequest`; every problem names its parameter. Pure.

    {"resourceType": "Parameters", "parameter": [
      {"name": "prescription", "valueReference": {"reference": "MedicationRequest/<id>"}},
      {"name": "pharmacy", "valueReference": {"reference": "Organization/org-<slug>"}},
      {"name": "pack", "valueString": "<scanned GS1 code>"},          (one per pack, ≥ 1)
      {"name": "handedOver", "valueDateTime": "2026-02-01T10:30:00-06:00"},   (optional)
      {"name": "payWith", "valueCode": "wallet"}]}                              (optional)

`pharmacy` may be left out by a pharmacist: their own organization is meant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from enlace.fhir.references import local_id
from enlace.kernel import errors
from enlace.kernel.errors import Issue

WHERE = "Parameters.parameter"
MAX_PACKS = 100  # one counter transaction; more is a wholesale movement, not a dispense


@dataclass(frozen=True)
class DispenseRequest:
    prescription_id: str
    pharmacy_slug: str | None
    packs: tuple[tuple[int, str], ...]  # (parameter index, scanned code), in scan order
    handed_over: datetime | None
    pay_with: str | None = None  # "wallet": the patient's share from their family wallet
    pay_with_at: str = WHERE


def parse_request(params: dict[str, Any]) -> DispenseRequest:
    issues: list[Issue] = []
    prescription = pharmacy = handed_over = pay_with = None
    pay_with_at = WHERE
    packs: list[tuple[int, str]] = []
    for n, parameter in enumerate(params.get("parameter", [])):
        name = parameter.get("name")
        if name == "prescription":
            prescription = local_id(parameter.get("valueReference"), "MedicationRequest")
            if prescription is None:
                issues.append(_bad("a MedicationRequest/<id>", f"{WHERE}[{n}].valueReference"))
        elif name == "pharmacy":
            found = local_id(parameter.get("valueReference"), "Organization")
            if found is None or not found.startswith("org-"):
                issues.append(_bad("Organization/org-<pharmacy>", f"{WHERE}[{n}].valueReference"))
            else:
                pharmacy = found.removeprefix("org-")
        elif name == "pack":
            code = str(parameter.get("valueString") or "").strip()
            if not code:
                issues.append(_bad("the scanned code of a pack", f"{WHERE}[{n}].valueString"))
            packs.append((n, code))
        elif name == "payWith":
            pay_with, pay_with_at = parameter.get("valueCode"), f"{WHERE}[{n}].valueCode"
            if pay_with != "wallet":
                issues.append(_bad("payWith is 'wallet' (else the counter collects)", pay_with_at))
        elif name == "handedOver":
            handed_over = _instant(parameter.get("valueDateTime"), n, issues)
        else:
            issues.append(_bad(f"unknown parameter {name!r}", f"{WHERE}[{n}].name"))
    if prescription is None and not any("valueReference" in (i.expression or "") for i in issues):
        issues.append(Issue("required", "name the prescription to fill", WHERE))
    if not packs:
        issues.append(Issue("required", "scan at least one pack ('pack')", WHERE))
    if len(packs) > MAX_PACKS:
        issues.append(_bad(f"at most {MAX_PACKS} packs in one dispense", WHERE))
    if issues:
        raise errors.FhirError(400, issues)
    assert prescription is not None
    return DispenseRequest(prescription, pharmacy, tuple(packs), handed_over, pay_with, pay_with_at)


def _instant(raw: Any, n: int, issues: list[Issue]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(raw))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        issues.append(_bad("a dateTime with its time zone", f"{WHERE}[{n}].valueDateTime"))
        return None
    return moment


def _bad(diagnostics: str, where: str) -> Issue:
    return Issue("invalid", diagnostics, where)
