"""What a dispense writes, as documents (pure): the MedicationDispense, the EPCIS dispensing
event the transparency log records, and the pharmacy's Claim to the payer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from enlace.modules import claims
from enlace.modules.catalog import Medicine
from enlace.modules.trace import facility_location_id, prescription_transaction

SD = "https://enlace.health/fhir/StructureDefinition/"
PACK_EXTENSION = SD + "dispensed-pack"  # valueString: the pack's GS1 Digital Link
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SUBSTITUTION = "http://terminology.hl7.org/CodeSystem/v3-substanceAdminSubstitution"
SUBSTITUTION_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
EPCIS_CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
GTIN_SYSTEM = "https://www.gs1.org/gtin"
_EVENT_IDS = uuid.UUID("6f1c2f1e-9d53-4a55-9a51-3a0c8c2f7d11")


@dataclass(frozen=True)
class ScannedPack:
    code: str  # as scanned
    epc: str  # canonical (https://id.gs1.org/01/<gtin>/21/<serial>)
    gtin: str
    serial: str
    lot: str | None
    expiry: str | None  # ISO date
    medicine: Medicine

    @property
    def link(self) -> str:
        """The pack as its DataMatrix reads, lot and expiry included."""
        lot = f"/10/{self.lot}" if self.lot else ""
        expiry = (
            f"?17={self.expiry[2:4]}{self.expiry[5:7]}{self.expiry[8:10]}" if self.expiry else ""
        )
        return f"https://id.gs1.org/01/{self.gtin}{lot}/21/{self.serial}{expiry}"


def medication_dispense(
    dispense_id: str,
    prescription: dict[str, Any],
    pharmacy: str,
    packs: list[ScannedPack],
    fill: str,
    handed_over: datetime,
    days_supply: int,
) -> dict[str, Any]:
    dispensed = packs[0].medicine
    prescribed = str(prescription.get("medicationReference", {}).get("reference", ""))
    body: dict[str, Any] = {
        "resourceType": "MedicationDispense",
        "id": dispense_id,
        "extension": [{"url": PACK_EXTENSION, "valueString": p.link} for p in packs],
        "status": "completed",
        "medicationReference": {
            "reference": f"Medication/{dispensed.id}",
            "display": dispensed.display,
        },
        "subject": prescription["subject"],
        "performer": [{"actor": {"reference": f"Organization/org-{pharmacy}"}}],
        "location": {"reference": f"Location/loc-{pharmacy}"},
        "authorizingPrescription": [{"reference": f"MedicationRequest/{prescription['id']}"}],
        "type": {"coding": [{"system": ACT_CODE, "code": fill}]},
        "quantity": {
            "value": sum(p.medicine.pack_size for p in packs),
            "unit": dispensed.pack_unit,
        },
        "daysSupply": {
            "value": days_supply,
            "unit": "días",
            "system": "http://unitsofmeasure.org",
            "code": "d",
        },
        "whenHandedOver": handed_over.isoformat(),
    }
    if prescription.get("dosageInstruction"):
        body["dosageInstruction"] = prescription["dosageInstruction"]
    if prescribed != f"Medication/{dispensed.id}":
        body["substitution"] = {
            "wasSubstituted": True,
            "type": {
                "coding": [{"system": SUBSTITUTION, "code": "G", "display": "generic composition"}]
            },
            "reason": [
                {
                    "coding": [
                        {"system": SUBSTITUTION_REASON, "code": "OS", "display": "out of stock"}
                    ]
                }
            ],
        }
    return body


def dispensing_event(
    dispense_id: str, prescription_id: str, pharmacy: str, packs: list[ScannedPack], when: datetime
) -> dict[str, Any]:
    """The EPCIS 2.0 document of one dispense (bizStep dispensing, disposition dispensed, the
    prescription as a bizTransaction so a claim can be matched to the patient)."""
    place = facility_location_id(pharmacy)
    offset = when.strftime("%z")
    event = {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:{uuid.uuid5(_EVENT_IDS, dispense_id)}",
        "eventTime": when.isoformat(),
        "eventTimeZoneOffset": f"{offset[:3]}:{offset[3:]}" if offset else "+00:00",
        "epcList": [p.link for p in packs],
        "action": "OBSERVE",
        "bizStep": "dispensing",
        "disposition": "dispensed",
        "readPoint": {"id": place},
        "bizLocation": {"id": place},
        "bizTransactionList": [prescription_transaction(prescription_id)],
    }
    return {
        "@context": EPCIS_CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": when.isoformat(),
        "epcisBody": {"eventList": [event]},
    }


def pharmacy_claim(
    dispense_id: str,
    prescription: dict[str, Any],
    coverage_id: str,
    pharmacy: str,
    packs: list[ScannedPack],
    when: datetime,
) -> dict[str, Any]:
    """The pharmacy's claim for the dispense: one item per product, each pack named (the
    proof of dispense the payer checks against the log), at the catalog's reference price."""
    by_gtin: dict[str, list[ScannedPack]] = {}
    for pack in packs:
        by_gtin.setdefault(pack.gtin, []).append(pack)
    day = when.date().isoformat()
    items = [
        {
            "sequence": n,
            "productOrService": {"coding": [{"system": GTIN_SYSTEM, "code": gtin}]},
            "servicedDate": day,
            "quantity": {"value": len(same)},
            "unitPrice": {"value": same[0].medicine.price_centavos / 100, "currency": "MXN"},
            "extension": [{"url": claims.PACK_EXTENSION, "valueString": p.link} for p in same],
        }
        for n, (gtin, same) in enumerate(sorted(by_gtin.items()), start=1)
    ]
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "identifier": [{"system": "https://enlace.health/sid/dispense", "value": dispense_id}],
        "status": "active",
        "type": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "pharmacy"}
            ]
        },
        "use": "claim",
        "patient": prescription["subject"],
        "created": when.isoformat(),
        "provider": {"reference": f"Organization/org-{pharmacy}"},
        "priority": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/processpriority",
                    "code": "normal",
                }
            ]
        },
        "prescription": {"reference": f"MedicationRequest/{prescription['id']}"},
        "insurance": [
            {"sequence": 1, "focal": True, "coverage": {"reference": f"Coverage/{coverage_id}"}}
        ],
        "item": items,
    }
    reason = (prescription.get("reasonCode") or [{}])[0].get("coding")
    if reason:
        claim["diagnosis"] = [{"sequence": 1, "diagnosisCodeableConcept": {"coding": reason[:1]}}]
    return claim
