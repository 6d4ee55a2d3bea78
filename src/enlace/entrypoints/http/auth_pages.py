"""The authorization (consent) page's words: its strings and the requested access in plain words."""

from __future__ import annotations

from enlace.security.scopes import Scope, ScopeSet

ES = "es-MX"

# The authorization page's own strings (enlace.entrypoints.web.i18n catalog shape).
STRINGS: dict[str, dict[str, str]] = {
    "authorize.title": {"es-MX": "Autorizar acceso", "en": "Authorize access"},
    "authorize.asks": {
        "es-MX": "La aplicación «{client}» pide acceso a Enlace en tu nombre.",
        "en": "The application “{client}” asks for access to Enlace on your behalf.",
    },
    "authorize.signed_in": {"es-MX": "Sesión iniciada como", "en": "Signed in as"},
    "authorize.requested": {"es-MX": "Podrá:", "en": "It will be able to:"},
    "authorize.patient": {"es-MX": "¿Sobre qué paciente?", "en": "Which patient?"},
    "authorize.approve": {"es-MX": "Autorizar", "en": "Authorize"},
    "authorize.deny": {"es-MX": "Denegar", "en": "Deny"},
    "authorize.note": {
        "es-MX": "Autoriza solo aplicaciones que conozcas. Cada acceso a tu información queda registrado.",
        "en": "Only authorize applications you know. Every access to your information is recorded.",
    },
    "authorize.error.title": {
        "es-MX": "No se puede autorizar",
        "en": "Authorization cannot proceed",
    },
    "authorize.error.text": {
        "es-MX": "Esta solicitud de autorización no es válida; no se enviará nada a la aplicación.",
        "en": "This authorization request is not valid; nothing will be sent to the application.",
    },
}

ACTIONS = {
    ES: {"c": "crear", "r": "ver", "u": "modificar", "d": "eliminar", "s": "buscar"},
    "en": {"c": "create", "r": "read", "u": "update", "d": "delete", "s": "search"},
}
CONTEXTS = {
    ES: {
        "patient": "del expediente del paciente",
        "user": "a los que tu cuenta tiene acceso",
        "system": "de todo el sistema",
    },
    "en": {
        "patient": "in the patient's record",
        "user": "that your account can access",
        "system": "across the whole system",
    },
}
TYPES_ES = {
    "*": "todos los datos",
    "Patient": "datos del paciente",
    "Observation": "mediciones y resultados",
    "Condition": "diagnósticos",
    "MedicationRequest": "recetas",
    "MedicationDispense": "medicamentos surtidos",
    "MedicationStatement": "medicamentos que toma",
    "MedicationAdministration": "medicamentos administrados",
    "AllergyIntolerance": "alergias",
    "Immunization": "vacunas",
    "Encounter": "consultas",
    "Procedure": "procedimientos",
    "DiagnosticReport": "informes de laboratorio y estudios",
    "CarePlan": "planes de cuidado",
    "Goal": "metas de salud",
    "Consent": "consentimientos",
    "QuestionnaireResponse": "cuestionarios respondidos",
    "Communication": "mensajes",
    "Appointment": "citas",
    "Coverage": "coberturas de seguro",
    "Claim": "reclamaciones",
    "Practitioner": "profesionales de la salud",
    "Organization": "organizaciones",
}
TYPES_EN = {
    "*": "all data",
    "Patient": "patient details",
    "Observation": "measurements and results",
    "Condition": "diagnoses",
    "MedicationRequest": "prescriptions",
    "MedicationDispense": "dispensed medicines",
    "MedicationStatement": "medicines taken",
    "MedicationAdministration": "medicines administered",
    "AllergyIntolerance": "allergies",
    "Immunization": "immunizations",
    "Encounter": "visits",
    "Procedure": "procedures",
    "DiagnosticReport": "lab and imaging reports",
    "CarePlan": "care plans",
    "Goal": "health goals",
    "Consent": "consents",
    "QuestionnaireResponse": "questionnaire answers",
    "Communication": "messages",
    "Appointment": "appointments",
    "Coverage": "insurance coverage",
    "Claim": "claims",
    "Practitioner": "health professionals",
    "Organization": "organizations",
}
OTHER = {
    ES: {
        "offline_access": "Seguir conectada aunque cierres tu sesión (hasta que caduque el permiso)",
        "online_access": "Seguir conectada mientras uses la aplicación",
        "launch/patient": "Saber qué paciente elegiste",
    },
    "en": {
        "offline_access": "Stay connected after you sign out (until the permission expires)",
        "online_access": "Stay connected while you use the application",
        "launch/patient": "Know which patient you chose",
    },
}


def describe(scopes: ScopeSet, lang: str) -> list[str]:
    """Each granted scope as a sentence a patient can read."""
    lines = [_resource_line(scope, lang) for scope in scopes.resource_scopes]
    lines += [OTHER[lang][word] for word in sorted(scopes.other) if word in OTHER[lang]]
    return lines


def _resource_line(scope: Scope, lang: str) -> str:
    words = ACTIONS[lang]
    actions = [words[p] for p in "rscud" if p in scope.permissions]
    joined = actions[0] if len(actions) == 1 else ", ".join(actions[:-1])
    if len(actions) > 1:
        joined += (" y " if lang == ES else " and ") + actions[-1]
    names = TYPES_ES if lang == ES else TYPES_EN
    what = names.get(scope.resource_type, scope.resource_type)
    if scope.resource_type != "*":
        what = f"{what} ({scope.resource_type})"
    line = f"{joined.capitalize()}: {what}, {CONTEXTS[lang][scope.context]}"
    if scope.narrowing:
        only = "solo donde" if lang == ES else "only where"
        line += f" ({only} {', '.join(f'{k}={v}' for k, v in scope.narrowing)})"
    return line
