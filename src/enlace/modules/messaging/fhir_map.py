"""A sent message as a FHIR Communication, so it appears in the patient's record
(`Patient/[id]/Communication`, `$everything`) like any other act of care."""

from __future__ import annotations

from typing import Any

import orjson

from enlace.kernel.clock import fhir_instant, from_epoch_us

ENLACE = "https://enlace.health/fhir/"
CHANNEL_SYSTEM = ENLACE + "CodeSystem/messaging-channel"
KIND_SYSTEM = ENLACE + "CodeSystem/message-kind"
TEMPLATE_SYSTEM = ENLACE + "CodeSystem/message-template"
OUTBOX_SYSTEM = ENLACE + "sid/outbox-message"
MODE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
MODE_OF_CHANNEL = {"sms": "WRITTEN", "whatsapp": "ONLINEWRIT", "voice": "PHONE"}


def communication(row: Any, sent_us: int) -> dict[str, Any]:
    """The Communication for an outbox row handed to its adapter at `sent_us`."""
    reason = orjson.loads(row.reason)
    rule = reason.get("rule")
    resource: dict[str, Any] = {
        "resourceType": "Communication",
        "identifier": [{"system": OUTBOX_SYSTEM, "value": row.id}],
        "status": "completed",
        "category": [{"coding": [{"system": KIND_SYSTEM, "code": row.kind}]}],
        "medium": [
            {
                "coding": [
                    {"system": MODE, "code": MODE_OF_CHANNEL[row.channel]},
                    {"system": CHANNEL_SYSTEM, "code": row.channel},
                ],
                "text": row.channel,
            }
        ],
        "subject": {"reference": f"Patient/{row.patient}"},
        "topic": {"coding": [{"system": TEMPLATE_SYSTEM, "code": row.template}]},
        "sent": fhir_instant(from_epoch_us(sent_us)),
        "recipient": [{"reference": f"Patient/{row.patient}"}],
        "payload": [{"contentString": row.text}],
        "language": row.language,
    }
    if rule:
        resource["reasonCode"] = [{"text": str(rule)}]
    return resource


INBOUND_SYSTEM = ENLACE + "sid/inbound-sms"
INTENT_SYSTEM = ENLACE + "CodeSystem/inbound-intent"


def inbound_communication(
    message_id: str,
    gateway_id: str,
    patient: str,
    sender: str,  # "patient" or "caregiver"
    number: str,
    text: str,
    intent: str,
    received_us: int,
) -> dict[str, Any]:
    """A text the patient (or their caregiver) sent us, in the patient's record."""
    who: dict[str, Any] = (
        {"reference": f"Patient/{patient}"}
        if sender == "patient"
        else {"display": f"Cuidador / caregiver {number}"}
    )
    return {
        "resourceType": "Communication",
        "id": message_id,
        "identifier": [{"system": INBOUND_SYSTEM, "value": gateway_id}],
        "status": "completed",
        "category": [{"coding": [{"system": KIND_SYSTEM, "code": "inbound"}]}],
        "medium": [
            {
                "coding": [
                    {"system": MODE, "code": MODE_OF_CHANNEL["sms"]},
                    {"system": CHANNEL_SYSTEM, "code": "sms"},
                ],
                "text": "sms",
            }
        ],
        "subject": {"reference": f"Patient/{patient}"},
        "sender": who,
        "topic": {"coding": [{"system": INTENT_SYSTEM, "code": intent}]},
        "received": fhir_instant(from_epoch_us(received_us)),
        "payload": [{"contentString": text}],
    }
