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
