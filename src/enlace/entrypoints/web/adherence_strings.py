"""Strings of the adherence pages (/adherence/...): Spanish (es-MX) first, English second. The
model's reasons (feature groups of adherence.model.GROUPS) and the intervention rules are
said in plain words here."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.adherence_panel": pair("Terapias en riesgo", "Therapies at risk"),
    "nav.adherence_outreach": pair("Llamadas de adherencia", "Adherence outreach"),
    "nav.adherence_network": pair("Adherencia en la red", "Network adherence"),
    "adherence.bad_input": pair(
        "No se pudo completar: revise los datos.", "This could not be done: check the data."
    ),
    "adherence.no_practitioner": pair(
        "Su cuenta no está vinculada a un médico (Practitioner).",
        "Your account is not linked to a physician (Practitioner).",
    ),
    "adherence.no_clinic": pair(
        "Su cuenta no pertenece a una clínica.", "Your account does not belong to a clinic."
    ),
    "adherence.not_run": pair(
        "Sin datos: la medición diaria de adherencia aún no se ha ejecutado "
        "(enlace adherence run).",
        "No data: the daily adherence run has not run yet (enlace adherence run).",
    ),
    "adherence.as_of": pair("Medido al {day}.", "Measured as of {day}."),
    "adherence.patient": pair("Paciente", "Patient"),
    "adherence.medication": pair("Medicamento", "Medicine"),
    "adherence.probability": pair("Riesgo de abandono", "Risk of abandonment"),
    "adherence.reasons": pair("Por qué", "Why"),
    "adherence.supply_left": pair("Días de medicamento", "Days of medicine left"),
    "adherence.pdc": pair("PDC", "PDC"),
    "adherence.last_fill": pair("Último surtido", "Last fill"),
    "adherence.actions": pair("Acciones de hoy", "Today's actions"),
    "adherence.no_pdc": pair("sin datos", "no data"),
    "adherence.days": pair("{days} días", "{days} days"),
    "adherence.band.high": pair("alto", "high"),
    "adherence.band.medium": pair("medio", "medium"),
    "adherence.band.low": pair("bajo", "low"),
    # the model's reasons
    "adherence.reason.supply_running_out": pair(
        "Se le acaba o ya se le acabó el medicamento", "Supply is running or has run out"
    ),
    "adherence.reason.late_refills": pair("Surte tarde sus recetas", "Refills late"),
    "adherence.reason.low_pdc": pair(
        "Pocos días cubiertos en los últimos meses", "Few days covered in recent months"
    ),
    "adherence.reason.gaps": pair("Ha tenido periodos sin medicamento", "Has had gaps in supply"),
    "adherence.reason.history": pair(
        "Tratamiento reciente o con cambios", "Recent or changed treatment"
    ),
    "adherence.reason.complexity": pair(
        "Tratamiento complejo (varios medicamentos)", "Complex treatment (several medicines)"
    ),
    "adherence.reason.clinical_control": pair(
        "Control clínico deficiente (HbA1c, presión)", "Poor clinical control (HbA1c, BP)"
    ),
    "adherence.reason.cost": pair("Costo o cobertura", "Cost or coverage"),
    "adherence.reason.access": pair("Lejanía de la farmacia", "Distance to the pharmacy"),
    "adherence.reason.engagement": pair(
        "Poco uso de sus dispositivos en casa", "Little use of home devices"
    ),
    "adherence.reason.demographics": pair("Edad y sexo", "Age and sex"),
    # the intervention rules
    "adherence.rule.R1-reminder": pair("Recordatorio enviado", "Reminder sent"),
    "adherence.rule.R2-auto-refill": pair("Resurtido automático ofrecido", "Auto-refill offered"),
    "adherence.rule.R3-copay": pair("Apoyo con el copago", "Copay assistance"),
    "adherence.rule.R4-outreach": pair("Llamada de enfermería", "Nurse call"),
    "adherence.rule.R4-clinical": pair("Llamada de enfermería", "Nurse call"),
    "adherence.rule.R5-notify": pair("Aviso al médico", "Physician notified"),
    # the physician panel
    "adherence.panel.title": pair("Terapias en riesgo", "Therapies at risk"),
    "adherence.panel.intro": pair(
        "Terapias de sus pacientes con riesgo alto o medio de abandono en las próximas 4 a 6 "
        "semanas, de mayor a menor riesgo.",
        "Your patients' therapies at high or medium risk of abandonment in the next 4 to 6 "
        "weeks, highest risk first.",
    ),
    "adherence.panel.none": pair(
        "Ninguna terapia de sus pacientes está en riesgo hoy.",
        "None of your patients' therapies is at risk today.",
    ),
    # the outreach worklist
    "adherence.outreach.title": pair("Llamadas de adherencia", "Adherence outreach"),
    "adherence.outreach.intro": pair(
        "Pacientes de la clínica con alto riesgo de abandonar su tratamiento: llámeles, "
        "primero a los de mayor riesgo, y marque la llamada como hecha.",
        "The clinic's patients at high risk of abandoning treatment: call them, highest risk "
        "first, and mark the call done.",
    ),
    "adherence.outreach.none": pair("No hay llamadas pendientes.", "No calls to make."),
    "adherence.outreach.opened": pair("Desde", "Since"),
    "adherence.outreach.done": pair("Marcar como hecha", "Mark done"),
    # the network page
    "adherence.network.title": pair("Adherencia en la red", "Network adherence"),
    "adherence.network.intro": pair(
        "Proporción de días cubiertos (PDC) de todas las terapias medidas, abandono por "
        "condición y el efecto medido de las intervenciones. Los grupos de menos de 11 personas "
        "no se muestran.",
        "Proportion of days covered (PDC) of every measured therapy, abandonment by condition "
        "and the measured effect of the interventions. Groups of fewer than 11 people are not "
        "shown.",
    ),
    "adherence.network.measured": pair("Terapias con PDC", "Therapies with a PDC"),
    "adherence.network.therapies": pair("Terapias", "Therapies"),
    "adherence.network.adherent": pair("Adherentes (PDC ≥ 80 %)", "Adherent (PDC ≥ 80%)"),
    "adherence.network.histogram": pair("Distribución del PDC", "PDC distribution"),
    "adherence.network.count": pair("Terapias", "Therapies"),
    "adherence.network.suppressed": pair("< 11", "< 11"),
    "adherence.network.conditions": pair("Por condición", "By condition"),
    "adherence.network.condition": pair("Condición", "Condition"),
    "adherence.network.discontinued": pair("Abandonaron", "Discontinued"),
    "adherence.network.median_pdc": pair("PDC mediana", "Median PDC"),
    "adherence.network.persistence": pair(
        "Persistencia en el tratamiento (Kaplan-Meier)", "Persistence on treatment (Kaplan-Meier)"
    ),
    "adherence.network.persistence_unit": pair(
        "% que sigue, por días desde el primer surtido",
        "% still on it, by days since first fill",
    ),
    "adherence.network.median_days": pair("Mediana de persistencia", "Median persistence"),
    "adherence.network.not_reached": pair("no alcanzada", "not reached"),
    "adherence.network.bands": pair("Riesgo de abandono hoy", "Risk of abandonment today"),
    "adherence.network.uplift": pair("Efecto de las intervenciones", "Effect of the interventions"),
    "adherence.network.uplift_none": pair(
        "Sin datos: aún no hay terapias con 90 días de seguimiento tras su asignación.",
        "No data: no therapy has 90 days of follow-up after its assignment yet.",
    ),
    "adherence.network.uplift_pdc": pair(
        "Diferencia de PDC (intervenidos menos control): {value} (IC 95 % {low} a {high})",
        "PDC difference (treated minus control): {value} (95% CI {low} to {high})",
    ),
    "adherence.network.uplift_abandonment": pair(
        "Diferencia de abandono (intervenidos menos control): {value} (IC 95 % {low} a {high})",
        "Abandonment difference (treated minus control): {value} (95% CI {low} to {high})",
    ),
    "adherence.network.uplift_chart": pair(
        "PDC por mes de asignación", "PDC by month of assignment"
    ),
    "adherence.network.treated": pair("Intervenidos", "Treated"),
    "adherence.network.control": pair("Control", "Control"),
    "adherence.condition.diabetes": pair("Diabetes", "Diabetes"),
    "adherence.condition.hypertension": pair("Hipertensión", "Hypertension"),
    "adherence.condition.hiv": pair("VIH", "HIV"),
    "adherence.condition.rheumatoid-arthritis": pair("Artritis reumatoide", "Rheumatoid arthritis"),
    "adherence.condition.copd": pair("EPOC", "COPD"),
    "adherence.condition.heart-failure": pair("Insuficiencia cardiaca", "Heart failure"),
    "adherence.condition.obesity": pair("Obesidad", "Obesity"),
    "adherence.condition.ckd": pair("Enfermedad renal crónica", "Chronic kidney disease"),
    "adherence.condition.dyslipidemia": pair("Dislipidemia", "Dyslipidemia"),
    "adherence.condition.cancer": pair("Cáncer", "Cancer"),
    "adherence.condition.other": pair("Otras", "Other"),
}
