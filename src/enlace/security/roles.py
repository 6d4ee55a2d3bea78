"""Roles and the most each may be granted (its scope ceiling), per docs/security.md.

A token's scopes are what the client asked for, intersected with the client's registered scopes
and with the user's role ceiling (enlace.security.scopes.ScopeSet.restricted_to). `{org}` stands
for the Organization the user or client works for: a pharmacist's dispenses are their pharmacy's,
a payer's claims are its own; without an organization those grants are dropped, never widened.
"""

from __future__ import annotations

from enlace.kernel import errors

from .scopes import ScopeSet, parse_scopes

CLINICAL = [
    "Patient",
    "Observation",
    "Condition",
    "MedicationRequest",
    "MedicationStatement",
    "MedicationDispense",
    "MedicationAdministration",
    "Medication",
    "AllergyIntolerance",
    "Procedure",
    "Encounter",
    "DiagnosticReport",
    "Immunization",
    "CarePlan",
    "CareTeam",
    "Goal",
    "ServiceRequest",
    "DocumentReference",
    "QuestionnaireResponse",
    "RiskAssessment",
    "FamilyMemberHistory",
    "Device",
    "Communication",
    "Flag",
    "ImagingStudy",
    "Specimen",
    "Provenance",
    "Appointment",
    "DetectedIssue",
    "ClinicalImpression",
    "NutritionOrder",
]
DIRECTORY = [
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Location",
    "HealthcareService",
    "Endpoint",
]
KNOWLEDGE = [
    "Questionnaire",
    "ValueSet",
    "CodeSystem",
    "ConceptMap",
    "PlanDefinition",
    "ActivityDefinition",
]


def _each(types: list[str], permissions: str, context: str = "user") -> str:
    return " ".join(f"{context}/{t}.{permissions}" for t in types)


ROLE_CEILINGS: dict[str, str] = {
    "patient": "patient/*.rs patient/Consent.cruds patient/Observation.c "
    "patient/QuestionnaireResponse.cru patient/Communication.c "
    "launch/patient openid fhirUser offline_access",
    "caregiver": "patient/*.rs patient/Observation.c patient/QuestionnaireResponse.cru "
    "patient/Communication.c launch/patient openid fhirUser offline_access",
    "physician": f"{_each(CLINICAL, 'cruds')} {_each(DIRECTORY + KNOWLEDGE, 'rs')} "
    "user/Coverage.rs user/Consent.rs openid fhirUser offline_access",
    "nurse": f"{_each(CLINICAL, 'rs')} {_each(DIRECTORY + KNOWLEDGE, 'rs')} "
    "user/Observation.cru user/Communication.cru user/Encounter.cru user/CarePlan.ru "
    "user/Immunization.cru user/MedicationAdministration.cru openid fhirUser offline_access",
    "chw": "user/Patient.crus user/Observation.crs user/QuestionnaireResponse.crus "
    "user/RiskAssessment.rs user/Communication.crs user/Appointment.crus user/Condition.rs "
    f"{_each(DIRECTORY + KNOWLEDGE, 'rs')} openid fhirUser offline_access",
    "pharmacist": "user/MedicationRequest.rs user/Medication.rs user/Patient.rs "
    "user/AllergyIntolerance.rs user/Coverage.rs user/DetectedIssue.crs "
    "user/MedicationDispense.cruds?performer=Organization/{org} "
    "user/SupplyDelivery.cruds?supplier=Organization/{org} "
    "user/Claim.crs?provider=Organization/{org} "
    f"{_each(DIRECTORY, 'rs')} openid fhirUser offline_access",
    "payer": "user/Coverage.rs?payor=Organization/{org} "
    "user/Claim.rs?insurer=Organization/{org} "
    "user/ClaimResponse.cruds?insurer=Organization/{org} "
    "user/ExplanationOfBenefit.cruds?coverage.payor=Organization/{org} "
    "user/CoverageEligibilityResponse.cruds?insurer=Organization/{org} "
    "user/Patient.rs?_has:Coverage:beneficiary:payor=Organization/{org} "
    "user/Organization.rs openid fhirUser offline_access",
    # Population figures come de-identified from $export?_deidentify and the dashboards.
    "analyst": "user/Organization.rs user/Location.rs user/Measure.rs user/MeasureReport.rs "
    "user/Group.rs openid fhirUser",
    "regulator": "user/AuditEvent.rs user/AdverseEvent.rs user/Medication.rs user/Device.rs "
    f"user/Substance.rs {_each(DIRECTORY, 'rs')} openid fhirUser",
    # Care coordinator (issue 14): works the referral worklists of a clinic or hospital and
    # books their appointments; reads who the patient is and their encounters, no clinical data.
    "coordinator": "user/ServiceRequest.crus user/Task.crus user/Appointment.crus "
    "user/Slot.crus user/Schedule.crus user/Patient.rs user/Encounter.rs "
    f"{_each(DIRECTORY, 'rs')} openid fhirUser offline_access",
    "administrator": "user/*.cruds openid fhirUser offline_access",
}
ROLES = tuple(ROLE_CEILINGS)
PATIENT_ROLES = ("patient", "caregiver")


def ceiling(role: str, organization: str | None) -> ScopeSet:
    """The most a holder of `role` may be granted, with `{org}` filled in (or those grants
    dropped when there is no organization)."""
    if role not in ROLE_CEILINGS:
        raise errors.error(400, "invalid", f"Unknown role '{role}'; roles are {', '.join(ROLES)}")
    words = ROLE_CEILINGS[role].split()
    if organization:
        words = [w.replace("{org}", organization) for w in words]
    else:
        words = [w for w in words if "{org}" not in w]
    return parse_scopes(" ".join(words))


def check_role(role: str) -> str:
    ceiling(role, "x")
    return role
