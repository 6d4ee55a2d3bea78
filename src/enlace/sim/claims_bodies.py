"""A pharmacy's Claim (FHIR R4, the shape `Claim/$submit` reads: docs/claims.md) for packs it
dispensed or says it dispensed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from enlace.modules import claims
from enlace.modules.catalog import Medicine
from enlace.modules.trace import StockedPack
from enlace.sim import supply_epcis as ev

IDENTIFIER_SYSTEM = "https://enlace.health/sim/claim"
_IDS = uuid.UUID("6f1c3c1e-5b0a-4d1e-9a57-0c1a00000000")  # namespace of sim claim ids
GTIN_SYSTEM = "https://www.gs1.org/gtin"
_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
_PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"


@dataclass(frozen=True)
class ClaimDraft:
    """What a pharmacy puts in one claim: one item of `packs` of `medicine`."""

    key: str  # deterministic identifier value
    pharmacy: str
    patient: str  # Patient id
    coverage: str  # Coverage id
    prescription: str | None
    on: date
    medicine: Medicine
    packs: tuple[StockedPack, ...]
    unit_centavos: int


def claim_body(draft: ClaimDraft) -> dict[str, Any]:
    m = draft.medicine
    item = {
        "sequence": 1,
        "productOrService": {"coding": [{"system": GTIN_SYSTEM, "code": m.gtin}]},
        "servicedDate": draft.on.isoformat(),
        "quantity": {"value": len(draft.packs)},
        "unitPrice": {"value": _pesos(draft.unit_centavos), "currency": "MXN"},
        "extension": [
            {
                "url": claims.PACK_EXTENSION,
                "valueString": ev.pack_scan(p.gtin, p.serial, p.lot, p.expiry),
            }
            for p in draft.packs
        ],
    }
    body: dict[str, Any] = {
        "resourceType": "Claim",
        # a UUID of the draft's key: the key names the scheme, the claim must not
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": str(uuid.uuid5(_IDS, draft.key))}],
        "status": "active",
        "type": {"coding": [{"system": _TYPE, "code": "pharmacy"}]},
        "use": "claim",
        "patient": {"reference": f"Patient/{draft.patient}"},
        "created": f"{draft.on.isoformat()}T23:00:00-06:00",
        "provider": {"reference": f"Organization/org-{draft.pharmacy}"},
        "priority": {"coding": [{"system": _PRIORITY, "code": "normal"}]},
        "insurance": [
            {"sequence": 1, "focal": True, "coverage": {"reference": f"Coverage/{draft.coverage}"}}
        ],
        "item": [item],
    }
    if draft.prescription:
        body["prescription"] = {"reference": f"MedicationRequest/{draft.prescription}"}
    return body


def _pesos(centavos: int) -> float:
    """Pesos as a JSON number with exactly the centavos (no float rounding on the way)."""
    return float(f"{centavos // 100}.{centavos % 100:02d}")
