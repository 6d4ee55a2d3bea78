"""Findings made into CDS Hooks 2.0 cards: summary (≤ 140 characters), indicator, detail
(markdown), source, and suggestions whose actions carry real resources. "Replace with X" is two
actions: delete the draft and create a MedicationRequest for X (the draft's dosage and supply,
the new medicine). Language: Spanish unless the caller asked for English (docs/cds.md).
"""

from __future__ import annotations

import copy
import math
import uuid
from typing import Any

from enlace.modules.catalog import medicine_by_slug

from .checks import Finding
from .knowledge import Source, Text
from .orders import Order

Card = dict[str, Any]
SELF = Source("Enlace CDS", "https://enlace.health/cds")
OVERRIDE_SYSTEM = "https://enlace.health/fhir/CodeSystem/cds-override-reason"
OVERRIDE_REASONS = (
    ("benefit-outweighs-risk", "El beneficio supera el riesgo", "Benefit outweighs risk"),
    ("monitoring-in-place", "Se vigilará (laboratorio, síntomas)", "Will monitor (labs, symptoms)"),
    ("already-aware", "Ya lo sabía; decisión previa", "Already aware; earlier decision"),
    ("patient-declined", "El paciente no acepta el cambio", "Patient declined the change"),
)


def card(
    summary: Text,
    indicator: str,
    detail: Text,
    source: Source,
    lang: str,
    suggestions: list[dict[str, Any]] | None = None,
) -> Card:
    made: Card = {
        "uuid": str(uuid.uuid4()),
        "summary": summary.get(lang)[:140],
        "indicator": indicator,
        "detail": detail.get(lang),
        "source": {"label": source.label, **({"url": source.url} if source.url else {})},
    }
    if suggestions:
        made["suggestions"] = suggestions
        made["selectionBehavior"] = "at-most-one"
    if indicator in ("warning", "critical"):
        made["overrideReasons"] = [
            {"system": OVERRIDE_SYSTEM, "code": code, "display": en if lang == "en" else es}
            for code, es, en in OVERRIDE_REASONS
        ]
    return made


def finding_card(finding: Finding, lang: str) -> Card:
    suggestions = []
    if finding.replacement is not None:
        replaced = replace_suggestion(finding.draft, finding.replacement, lang)
        if replaced is not None:
            suggestions.append(replaced)
    suggestions.append(cancel_suggestion(finding.draft, lang))
    return card(
        finding.summary, finding.indicator, finding.detail, finding.source, lang, suggestions
    )


def cancel_suggestion(draft: Order, lang: str) -> dict[str, Any]:
    label = Text(f"Cancelar la orden de {draft.display}", f"Cancel the {draft.display} order")
    return {
        "label": label.get(lang)[:140],
        "uuid": str(uuid.uuid4()),
        "actions": [_delete(draft, lang)],
    }


def replace_suggestion(
    draft: Order, slug: str, lang: str, recommended: bool = True
) -> dict[str, Any] | None:
    medicine = medicine_by_slug(slug)
    if medicine is None:
        return None
    created = replacement_order(draft, slug)
    label = Text(f"Cambiar a {medicine.display}", f"Replace with {medicine.display}")
    describe = Text(
        f"Nueva orden de {medicine.display} (revise la dosis)",
        f"New order for {medicine.display} (check the dose)",
    )
    return {
        "label": label.get(lang)[:140],
        "uuid": str(uuid.uuid4()),
        "isRecommended": recommended,
        "actions": [
            _delete(draft, lang),
            {"type": "create", "description": describe.get(lang), "resource": created},
        ],
    }


def replacement_order(draft: Order, slug: str) -> dict[str, Any]:
    """The draft's order for another catalog medicine: same patient, prescriber, dosage and
    days' supply; the quantity recomputed in the new medicine's packs (whole packs)."""
    medicine = medicine_by_slug(slug)
    assert medicine is not None
    resource = copy.deepcopy(draft.resource)
    resource.pop("id", None)
    resource.pop("medicationCodeableConcept", None)
    resource["medicationReference"] = {
        "reference": f"Medication/med-{slug}",
        "display": medicine.display,
    }
    request = resource.get("dispenseRequest") or {}
    units = (request.get("quantity") or {}).get("value")
    if isinstance(units, int) and units > 0:
        packs = max(math.ceil(units / medicine.pack_size), 1)
        per_fill = min(units, packs * medicine.pack_size)
        request["quantity"] = {**request["quantity"], "value": per_fill}
    return resource


def _delete(draft: Order, lang: str) -> dict[str, Any]:
    what = Text(f"Retirar la orden de {draft.display}", f"Remove the {draft.display} order")
    return {"type": "delete", "description": what.get(lang), "resourceId": draft.reference}


def pesos(centavos: int) -> str:
    return f"${centavos / 100:,.2f}"
