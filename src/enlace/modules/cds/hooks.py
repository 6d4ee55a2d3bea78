"""The CDS services this server offers (the discovery document) and the checking of a hook
request against CDS Hooks 2.0 and the hook's definition (patient-view 1.0, order-select 1.0,
order-sign 1.1): every problem is a 400 naming the request member, as an OperationOutcome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from enlace.kernel import errors
from enlace.kernel.errors import Issue

P = "{{context.patientId}}"
LOINC = "http://loinc.org|"
LABS = ",".join(LOINC + code for code in ("98979-8", "62238-1", "33914-3", "4548-4", "82810-3"))

ORDER_PREFETCH = {
    "patient": f"Patient/{P}",
    "medications": f"MedicationRequest?patient={P}&status=active&_count=100",
    "conditions": f"Condition?patient={P}&clinical-status=active&_count=100",
    # eGFR, HbA1c and pregnancy status in one search: each Observation search of a patient
    # also consults the device readings (observation_merge), so one search costs half of two.
    "labs": f"Observation?patient={P}&code={LABS}&_sort=-date&_count=50",
    "allergies": f"AllergyIntolerance?patient={P}&_count=50",
    "coverage": f"Coverage?beneficiary=Patient/{P}&status=active&_count=5",
}
VIEW_PREFETCH = {
    "patient": f"Patient/{P}",
    "risk": f"RiskAssessment?subject=Patient/{P}&_sort=-date&_count=5",
    "followups": f"Task?patient={P}&status=requested,accepted,in-progress&_count=50",
}


@dataclass(frozen=True)
class Service:
    id: str
    hook: str
    title: str
    description: str
    prefetch: dict[str, str]

    def discovery(self) -> dict[str, Any]:
        return {
            "hook": self.hook,
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "prefetch": self.prefetch,
            "usageRequirements": "Cards in Spanish (es-MX); English with Accept-Language: en.",
        }


SERVICES: dict[str, Service] = {
    s.id: s
    for s in (
        Service(
            "enlace-patient-view",
            "patient-view",
            "Enlace: pendientes del paciente",
            "Care gaps, the latest risk assessment and overdue referral follow-ups.",
            VIEW_PREFETCH,
        ),
        Service(
            "enlace-order-select",
            "order-select",
            "Enlace: revisión al elegir medicamento",
            "Interactions, duplicate therapy, renal dosing, pregnancy and coverage for the "
            "medicine being chosen.",
            ORDER_PREFETCH,
        ),
        Service(
            "enlace-order-sign",
            "order-sign",
            "Enlace: revisión de la receta antes de firmar",
            "Interactions, duplicate therapy by ATC class, renal dosing by eGFR, pregnancy, "
            "allergies and the formulary alternative with the patient's cost.",
            ORDER_PREFETCH,
        ),
    )
}

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
ORDER_HOOKS = ("order-select", "order-sign")


@dataclass(frozen=True)
class HookRequest:
    service: Service
    hook_instance: str
    patient_id: str
    user_id: str
    drafts: tuple[dict[str, Any], ...]
    selections: tuple[str, ...]
    prefetch: dict[str, Any]
    fhir_server: str | None
    access_token: str | None


def discovery() -> dict[str, Any]:
    return {"services": [s.discovery() for s in SERVICES.values()]}


def service(service_id: str) -> Service:
    found = SERVICES.get(service_id)
    if found is None:
        raise errors.not_found(f"No CDS service '{service_id[:64]}' (GET /cds-services lists them)")
    return found


def parse_request(svc: Service, body: Any) -> HookRequest:
    if not isinstance(body, dict):
        raise errors.bad_request("A CDS Hooks request is a JSON object", "request")
    issues: list[Issue] = []
    if body.get("hook") != svc.hook:
        issues.append(_bad(f"this service answers the '{svc.hook}' hook", "hook"))
    instance = body.get("hookInstance")
    if not isinstance(instance, str) or not UUID.fullmatch(instance):
        issues.append(_bad("hookInstance is a UUID", "hookInstance"))
    context = body.get("context")
    if not isinstance(context, dict):
        issues.append(_bad("context is an object", "context"))
        context = {}
    patient = _patient(context, issues)
    user = context.get("userId")
    if not isinstance(user, str) or "/" not in user:
        issues.append(_bad("userId is a reference such as Practitioner/123", "context.userId"))
    drafts, selections = _orders(svc.hook, context, issues)
    prefetch = _prefetch(svc, body.get("prefetch"), issues)
    server, token = _authorization(body, issues)
    if issues:
        raise errors.FhirError(400, issues)
    return HookRequest(
        svc, str(instance), patient, str(user), drafts, selections, prefetch, server, token
    )


def _patient(context: dict[str, Any], issues: list[Issue]) -> str:
    patient = context.get("patientId")
    if not isinstance(patient, str) or not FHIR_ID.fullmatch(patient):
        issues.append(_bad("patientId is a FHIR id", "context.patientId"))
        return ""
    return patient


def _orders(
    hook: str, context: dict[str, Any], issues: list[Issue]
) -> tuple[tuple[dict[str, Any], ...], tuple[str, ...]]:
    if hook not in ORDER_HOOKS:
        return (), ()
    bundle = context.get("draftOrders")
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        issues.append(_bad("draftOrders is a FHIR Bundle", "context.draftOrders"))
        return (), ()
    drafts = []
    for n, entry in enumerate(bundle.get("entry") or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not resource.get("resourceType"):
            issues.append(_bad("each entry has a resource", f"context.draftOrders.entry[{n}]"))
            continue
        if resource["resourceType"] == "MedicationRequest":
            drafts.append(resource)
    if not drafts:
        issues.append(_bad("no MedicationRequest among the draft orders", "context.draftOrders"))
    selections: tuple[str, ...] = ()
    if hook == "order-select":
        chosen = context.get("selections")
        if (
            not isinstance(chosen, list)
            or not chosen
            or not all(isinstance(s, str) for s in chosen)
        ):
            issues.append(
                _bad("selections lists the chosen orders' references", "context.selections")
            )
        else:
            selections = tuple(chosen)
    return tuple(drafts), selections


def _prefetch(svc: Service, given: Any, issues: list[Issue]) -> dict[str, Any]:
    if given is None:
        return {}
    if not isinstance(given, dict):
        issues.append(_bad("prefetch is an object keyed as in the discovery document", "prefetch"))
        return {}
    kept: dict[str, Any] = {}
    for key, value in given.items():
        template = svc.prefetch.get(key)
        if template is None:
            issues.append(_bad(f"'{key}' is not a prefetch key of this service", f"prefetch.{key}"))
            continue
        if value is None:
            continue  # the client could not prefetch it: the service fetches it itself
        expected = "Bundle" if "?" in template else template.split("/", 1)[0]
        if not isinstance(value, dict) or value.get("resourceType") != expected:
            issues.append(_bad(f"prefetch '{key}' is a {expected}", f"prefetch.{key}"))
            continue
        kept[key] = value
    return kept


def _authorization(body: dict[str, Any], issues: list[Issue]) -> tuple[str | None, str | None]:
    server, auth = body.get("fhirServer"), body.get("fhirAuthorization")
    if server is not None and not (isinstance(server, str) and server.startswith("http")):
        issues.append(_bad("fhirServer is the client's FHIR base URL", "fhirServer"))
    if auth is None:
        return server, None
    token = auth.get("access_token") if isinstance(auth, dict) else None
    if not isinstance(token, str) or not token:
        issues.append(
            _bad("fhirAuthorization needs access_token", "fhirAuthorization.access_token")
        )
        return server, None
    if auth.get("token_type", "Bearer") != "Bearer":
        issues.append(_bad("token_type is Bearer", "fhirAuthorization.token_type"))
    if server is None:
        issues.append(_bad("fhirAuthorization comes with fhirServer", "fhirServer"))
    return server, token


def _bad(diagnostics: str, where: str) -> Issue:
    return Issue("invalid", diagnostics, where)
