"""A patient's ExplanationOfBenefit as a table row: date, pharmacy, medicine, the three amounts,
the outcome and the refusal reasons, and the verification link of each claimed pack.

Names (pharmacy, medicine) and the packs (on the Claim the EOB points at) are read through the
same Reader, so they are what the person may see; a name they may not read shows its id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from enlace.kernel import errors
from enlace.kernel.money import whole_centavos
from enlace.modules import claims, trace

from . import patient_view
from .fhir_reads import Reader

ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
CENTAVOS = "https://enlace.health/fhir/StructureDefinition/amount-centavos"
CATEGORIES = ("submitted", "benefit", "copay")


@dataclass
class EobRow:
    eob_id: str
    created: datetime | None
    pharmacy: str
    medicines: list[str]
    claimed: int
    plan_paid: int
    you_pay: int
    outcome: str  # complete | partial | error | queued
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (code, detail)
    packs: list[str] = field(default_factory=list)  # verification paths on this site


def amounts(eob: dict[str, Any]) -> dict[str, int]:
    """Per adjudication category, the sum over the items in centavos (the exact extension when
    present, else the Money value)."""
    found = dict.fromkeys(CATEGORIES, 0)
    for item in eob.get("item", []):
        for entry in item.get("adjudication", []):
            code = _category(entry)
            if code in found:
                found[code] += _centavos(entry)
    return found


def reasons(eob: dict[str, Any]) -> list[tuple[str, str]]:
    """The refused items' reason codes and details, in item order."""
    out = []
    for item in eob.get("item", []):
        for entry in item.get("adjudication", []):
            reason = entry.get("reason") or {}
            for coding in reason.get("coding", []):
                if coding.get("system") == claims.REASON_SYSTEM and coding.get("code"):
                    out.append((str(coding["code"]), str(reason.get("text") or "")))
    return out


def pack_paths(claim: dict[str, Any]) -> list[str]:
    """The verification page (`/01/...`) of each pack the Claim names, in claim order."""
    paths = []
    for item in claim.get("item", []):
        for ext in item.get("extension", []):
            if ext.get("url") != claims.PACK_EXTENSION or not isinstance(
                ext.get("valueString"), str
            ):
                continue
            try:
                paths.append(trace.digital_link(trace.parse_scan(ext["valueString"]), ""))
            except trace.Gs1Error:
                continue  # a code the claim carried but nobody can verify: no link
    return paths


class EobRows:
    """Builds rows, reading each pharmacy and medicine name once per page."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.names: dict[str, str] = {}

    def row(self, eob: dict[str, Any]) -> EobRow:
        totals = amounts(eob)
        return EobRow(
            eob_id=str(eob.get("id", "")),
            created=patient_view.parse_instant(eob.get("created")),
            pharmacy=self.name(_reference(eob.get("provider"))),
            medicines=[self.name(_product(item)) for item in eob.get("item", [])],
            claimed=totals["submitted"],
            plan_paid=totals["benefit"],
            you_pay=totals["copay"],
            outcome=str(eob.get("outcome", "")),
            reasons=reasons(eob),
            packs=self.packs(_reference(eob.get("claim"))),
        )

    def name(self, reference: str) -> str:
        """A readable name for `Type/id`, or the id when it cannot be read."""
        if reference not in self.names:
            self.names[reference] = self._lookup(reference)
        return self.names[reference]

    def packs(self, reference: str) -> list[str]:
        kind, _, claim_id = reference.partition("/")
        if kind != "Claim" or not claim_id:
            return []
        try:
            return pack_paths(self.reader.read("Claim", claim_id))
        except errors.FhirError:
            return []

    def _lookup(self, reference: str) -> str:
        kind, _, rid = reference.partition("/")
        if kind not in ("Organization", "Medication") or not rid:
            return reference
        if not self.reader.access.grants(kind, "r"):
            return rid
        try:
            found = self.reader.read(kind, rid)
        except errors.FhirError:
            return rid
        if kind == "Organization":
            return str(found.get("name") or rid)
        code = found.get("code") or {}
        codings = code.get("coding") or [{}]
        return str(code.get("text") or codings[0].get("display") or rid)


def _category(entry: dict[str, Any]) -> str | None:
    for coding in (entry.get("category") or {}).get("coding", []):
        if coding.get("system") == ADJUDICATION:
            return str(coding.get("code"))
    return None


def _centavos(entry: dict[str, Any]) -> int:
    for ext in entry.get("extension", []):
        if ext.get("url") == CENTAVOS and isinstance(ext.get("valueInteger"), int):
            return int(ext["valueInteger"])
    return whole_centavos((entry.get("amount") or {}).get("value")) or 0


def _reference(value: Any) -> str:
    return str(value.get("reference", "")) if isinstance(value, dict) else ""


def _product(item: dict[str, Any]) -> str:
    """The EOB names the medicine as `Medication/med-<slug>` in productOrService.text."""
    product = item.get("productOrService") or {}
    return str(product.get("text") or "")
