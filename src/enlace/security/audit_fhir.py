"""Audit rows as FHIR R4 AuditEvents, and as the lines of a patient's access log.

Spec: https://hl7.org/fhir/R4/auditevent.html, with the patterns of IHE Basic Audit Log Patterns
(BALP): the user as the requesting agent (purpose of use, source address, the token's jti as
policy), the client application and the user's organization as further agents, the resource and
the patient as entities, a search's query as a Query entity, the request id as an XrequestId
entity.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from enlace.kernel.clock import from_epoch_us

EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
RESTFUL = "http://hl7.org/fhir/restful-interaction"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
RESOURCE_TYPES = "http://hl7.org/fhir/resource-types"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
BALP_ENTITY = "https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType"
ROLE_SYSTEM = "https://enlace.health/fhir/CodeSystem/role"  # as in enlace.security.consent
USER_SYSTEM = "https://enlace.health/fhir/sid/user"
CLIENT_SYSTEM = "https://enlace.health/fhir/sid/client"
OBSERVER = "Enlace"

RESTFUL_CODES = frozenset(
    [
        "read",
        "vread",
        "update",
        "patch",
        "delete",
        "history",
        "history-instance",
        "history-type",
        "history-system",
        "create",
        "search",
        "search-type",
        "search-system",
        "capabilities",
        "transaction",
        "batch",
        "operation",
    ]
)
FHIR_ACTION = {"search": "E", "login": "E", "export": "R"}  # the rest are C R U D E already
# Who may be AuditEvent.agent.who (R4); another fhirUser (a Person) is named by identifier.
AGENT_TYPES = ("Practitioner", "PractitionerRole", "Patient", "RelatedPerson", "Device")


def to_audit_event(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored audit row (a mapping of its columns) as a valid FHIR R4 AuditEvent."""
    status = row["outcome"]
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": str(row["seq"]),
        "type": _event_type(row["action"]),
        "subtype": [_subtype(row["action"], row["interaction"])],
        "action": FHIR_ACTION.get(row["action"], row["action"]),
        "recorded": instant(row["recorded_us"]),
        "outcome": outcome_code(status),
    }
    if status >= 400:
        event["outcomeDesc"] = f"HTTP {status}"
    purpose = _purpose(row)
    if purpose:
        event["purposeOfEvent"] = [purpose]
    event["agent"] = _agents(row, purpose)
    event["source"] = {
        "observer": {"display": OBSERVER},
        "type": [{"system": SOURCE_TYPE, "code": "4", "display": "Application Server"}],
    }
    entities = _entities(row)
    if entities:
        event["entity"] = entities
    return event


def access_summary(row: Mapping[str, Any]) -> dict[str, Any]:
    """One line of a patient's access log: who, role, organization, when, what, why."""
    what = (
        f"{row['resource_type']}/{row['resource_id']}"
        if row["resource_id"]
        else row["resource_type"]
    )
    return {
        "seq": row["seq"],
        "when": instant(row["recorded_us"]),
        "who": row["actor_display"] or row["fhir_user"] or row["actor"],
        "role": row["role"],
        "organization": row["organization"],
        "client": row["client_id"],
        "action": row["action"],
        "interaction": row["interaction"],
        "what": what,
        "why": row["purpose"],
        "reason": row["reason"],
        "outcome": row["outcome"],
        "break_glass": row["purpose"] == "ETREAT",
    }


def instant(recorded_us: int) -> str:
    """A FHIR instant with the stored microseconds (instants allow any fraction)."""
    moment = from_epoch_us(recorded_us)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def outcome_code(status: int) -> str:
    """audit-event-outcome: 0 success, 4 minor failure (refused, not found), 8 serious."""
    if status < 400:
        return "0"
    return "4" if status < 500 else "8"


def _event_type(action: str) -> dict[str, str]:
    if action == "login":
        return {"system": DICOM, "code": "110114", "display": "User Authentication"}
    if action == "export":
        return {"system": DICOM, "code": "110106", "display": "Export"}
    return {"system": EVENT_TYPE, "code": "rest", "display": "RESTful Operation"}


def _subtype(action: str, interaction: str) -> dict[str, str]:
    if action == "login":
        logout = interaction == "logout"
        return {
            "system": DICOM,
            "code": "110123" if logout else "110122",
            "display": "Logout" if logout else "Login",
        }
    if interaction in RESTFUL_CODES:
        return {"system": RESTFUL, "code": interaction}
    if interaction.startswith("search"):  # search-compartment and the like
        return {"system": RESTFUL, "code": "search"}
    return {"system": RESTFUL, "code": "operation", "display": interaction}


def _purpose(row: Mapping[str, Any]) -> dict[str, Any] | None:
    purpose: dict[str, Any] = {}
    if row["purpose"]:
        purpose["coding"] = [{"system": ACT_REASON, "code": row["purpose"]}]
    if row["reason"]:
        purpose["text"] = row["reason"]
    return purpose or None


def _agents(row: Mapping[str, Any], purpose: dict[str, Any] | None) -> list[dict[str, Any]]:
    user: dict[str, Any] = {"who": _who(row), "altId": row["actor"], "requestor": True}
    if row["client_id"] and row["client_id"] == row["actor"]:  # a backend service itself
        user["type"] = _application()
    if row["role"]:
        user["role"] = [
            {"coding": [{"system": ROLE_SYSTEM, "code": row["role"]}], "text": row["role"]}
        ]
    if row["token_id"]:
        user["policy"] = [row["token_id"]]
    if row["source_ip"]:
        user["network"] = {"address": row["source_ip"], "type": "2"}  # 2 = IP address
    if purpose:
        user["purposeOfUse"] = [purpose]
    agents = [user]
    if row["client_id"] and row["client_id"] != row["actor"]:
        agents.append(
            {
                "type": _application(),
                "who": {"identifier": {"system": CLIENT_SYSTEM, "value": row["client_id"]}},
                "requestor": False,
            }
        )
    if row["organization"]:
        agents.append(
            {
                "who": {"reference": f"Organization/{row['organization']}"},
                "requestor": False,
                "role": [{"text": "organization the user acts for"}],
            }
        )
    return agents


def _who(row: Mapping[str, Any]) -> dict[str, Any]:
    reference = row["fhir_user"]
    who: dict[str, Any]
    if reference and reference.split("/", 1)[0] in AGENT_TYPES:
        who = {"reference": reference}
    else:
        system = CLIENT_SYSTEM if row["client_id"] == row["actor"] else USER_SYSTEM
        who = {"identifier": {"system": system, "value": row["actor"]}}
    if row["actor_display"]:
        who["display"] = row["actor_display"]
    return who


def _application() -> dict[str, Any]:
    return {"coding": [{"system": DICOM, "code": "110150", "display": "Application"}]}


def _entities(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    resource_type, resource_id, patient = (
        row["resource_type"],
        row["resource_id"],
        row["patient_id"],
    )
    if resource_type and resource_id:
        entity: dict[str, Any] = {
            "what": {"reference": f"{resource_type}/{resource_id}"},
            "type": {"system": RESOURCE_TYPES, "code": resource_type},
        }
        if resource_type == "Patient" and resource_id == patient:
            entity["role"] = {"system": OBJECT_ROLE, "code": "1", "display": "Patient"}
        else:
            entity["role"] = {"system": OBJECT_ROLE, "code": "4", "display": "Domain Resource"}
        entities.append(entity)
    if patient and not (resource_type == "Patient" and resource_id == patient):
        entities.append(
            {
                "what": {"reference": f"Patient/{patient}"},
                "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
                "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"},
            }
        )
    if row["query"]:
        query: dict[str, Any] = {
            "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
            "role": {"system": OBJECT_ROLE, "code": "24", "display": "Query"},
            "query": base64.b64encode(row["query"].encode("utf-8", "replace")).decode(),
        }
        if resource_type and not resource_id:
            query["description"] = f"search of {resource_type}"
        entities.append(query)
    if row["request_id"]:
        entities.append(
            {
                "what": {"identifier": {"value": row["request_id"]}},
                "type": {"system": BALP_ENTITY, "code": "XrequestId"},
            }
        )
    return entities
