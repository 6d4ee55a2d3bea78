"""Strings of the screening pages (/screening/...) and the care gaps on the patient page: Spanish
(es-MX) first, English second. Care-gap titles come from the screening module (Gap.title)."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.screening_worklist": pair("Pendientes de la clínica", "Clinic worklist"),
    "nav.screening_panel": pair("Mi panel de pacientes", "My patient panel"),
    "nav.screening_form": pair("Tamizaje", "Screening"),
    # worklist
    "screening.worklist.title": pair("Pendientes de la clínica", "Clinic worklist"),
    "screening.worklist.intro": pair(
        "Personas referidas por un tamizaje con probable enfermedad que aún no se confirman o "
        "descartan (primero las más atrasadas) y las brechas de atención de los pacientes de "
        "la clínica.",
        "People referred by a screening with a probable disease not yet confirmed or ruled out "
        "(most overdue first), and the care gaps of the clinic's patients.",
    ),
    "screening.referrals": pair("Referencias por confirmar", "Referrals to confirm"),
    "screening.referrals.none": pair("No hay referencias abiertas.", "No open referrals."),
    "screening.patient": pair("Paciente", "Patient"),
    "screening.condition": pair("Probable enfermedad", "Probable disease"),
    "screening.referred_on": pair("Referido", "Referred"),
    "screening.due": pair("Fecha límite", "Due"),
    "screening.state": pair("Situación", "Status"),
    "screening.overdue": pair("Vencida hace {days} días", "Overdue by {days} days"),
    "screening.on_time": pair("A tiempo", "On time"),
    "screening.confirm": pair("Confirmar", "Confirm"),
    "screening.rule_out": pair("Descartar", "Rule out"),
    "screening.gaps": pair("Brechas de atención", "Care gaps"),
    "screening.gaps.none": pair("Sin brechas de atención.", "No care gaps."),
    "screening.gap": pair("Brecha", "Gap"),
    "screening.since": pair("Pendiente desde", "Due since"),
    "screening.since_unknown": pair("Sin fecha", "No date"),
    "screening.checked": pair(
        "Se revisaron {count} pacientes de la clínica.", "{count} of the clinic's patients checked."
    ),
    "screening.indicators": pair("Indicadores de seguimiento", "Follow-up indicators"),
    "screening.ind.referred": pair("Referidos", "Referred"),
    "screening.ind.linked": pair("Vinculados a atención", "Linked to care"),
    "screening.ind.confirmed": pair("Confirmados", "Confirmed"),
    "screening.ind.ruled_out": pair("Descartados", "Ruled out"),
    "screening.ind.treated": pair("Con tratamiento", "On treatment"),
    "screening.ind.days_confirm": pair(
        "Mediana de días a la confirmación", "Median days to confirmation"
    ),
    "screening.ind.days_treat": pair("Mediana de días al tratamiento", "Median days to treatment"),
    "screening.ind.overdue": pair("Vencidas", "Overdue"),
    "screening.no_clinic": pair(
        "Su cuenta no tiene una clínica asignada; un administrador puede indicar ?clinic=.",
        "Your account has no clinic; an administrator may give ?clinic=.",
    ),
    "screening.bad_input": pair(
        "La solicitud no es válida: la referencia no existe o ya se decidió.",
        "The request is not valid: the referral does not exist or was already decided.",
    ),
    "screening.condition.diabetes": pair("Diabetes", "Diabetes"),
    "screening.condition.hypertension": pair("Hipertensión", "Hypertension"),
    "screening.condition.obesity": pair("Obesidad", "Obesity"),
    "screening.condition.dyslipidemia": pair("Dislipidemia", "Dyslipidemia"),
    "screening.condition.unknown": pair("Sin especificar", "Not specified"),
    # panel
    "screening.panel.title": pair("Mi panel de pacientes", "My patient panel"),
    "screening.panel.intro": pair(
        "Sus pacientes ordenados por riesgo: riesgo cardiovascular a 10 años (OMS 2019), riesgo "
        "de diabetes (FINDRISC), brechas de atención y referencias vencidas.",
        "Your patients ranked by risk: 10-year cardiovascular risk (WHO 2019), diabetes risk "
        "(FINDRISC), care gaps and overdue referrals.",
    ),
    "screening.panel.none": pair("No tiene pacientes en su panel.", "Your panel is empty."),
    "screening.panel.no_practitioner": pair(
        "Su cuenta no está ligada a un registro de médico (Practitioner).",
        "Your account is not linked to a physician record (Practitioner).",
    ),
    "screening.cvd": pair("Riesgo CV a 10 años", "10-year CVD risk"),
    "screening.diabetes_risk": pair("Riesgo de diabetes", "Diabetes risk"),
    "screening.assessed": pair("Evaluado", "Assessed"),
    "screening.overdue_referrals": pair("Referencias vencidas", "Overdue referrals"),
    "screening.not_assessed": pair("Sin evaluar", "Not assessed"),
    # patient page
    "screening.patient_gaps": pair("Brechas de atención", "Care gaps"),
}
