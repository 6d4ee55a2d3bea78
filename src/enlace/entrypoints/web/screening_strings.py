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
    # form
    "screening.form.title": pair("Tamizaje de riesgo", "Risk screening"),
    "screening.form.intro": pair(
        "Registre las mediciones y las respuestas del cuestionario FINDRISC. Deje vacío lo que "
        "no midió.",
        "Record the measurements and the FINDRISC questionnaire answers. Leave empty what you "
        "did not measure.",
    ),
    "screening.form.fix": pair(
        "Revise los campos marcados; no se guardó nada.",
        "Check the marked fields; nothing was saved.",
    ),
    "screening.form.not_number": pair("Escriba un número.", "Enter a number."),
    "screening.form.choose": pair("Elija una opción.", "Choose one."),
    "screening.form.both_pressures": pair(
        "Escriba la presión sistólica y la diastólica.", "Enter both systolic and diastolic."
    ),
    "screening.form.setting": pair("Lugar", "Setting"),
    "screening.form.clinic": pair("Clínica", "Clinic"),
    "screening.form.community": pair("Comunidad", "Community"),
    "screening.form.measurements": pair("Mediciones", "Measurements"),
    "screening.form.weight": pair("Peso", "Weight"),
    "screening.form.height": pair("Estatura", "Height"),
    "screening.form.waist": pair("Cintura", "Waist"),
    "screening.form.systolic": pair("Presión sistólica", "Systolic pressure"),
    "screening.form.diastolic": pair("Presión diastólica", "Diastolic pressure"),
    "screening.form.glucose": pair("Glucosa", "Glucose"),
    "screening.form.glucose_kind": pair("Momento de la glucosa", "Glucose timing"),
    "screening.form.kind.fasting": pair("En ayuno", "Fasting"),
    "screening.form.kind.casual": pair("Casual (a cualquier hora)", "Casual (any time)"),
    "screening.form.kind.ogtt2h": pair("2 h después de carga", "2 h after a load"),
    "screening.form.sample": pair("Muestra", "Sample"),
    "screening.form.sample.capillary": pair("Capilar (dedo)", "Capillary (finger)"),
    "screening.form.sample.plasma": pair("Plasma (laboratorio)", "Plasma (laboratory)"),
    "screening.form.hba1c": pair("HbA1c", "HbA1c"),
    "screening.form.cholesterol": pair("Colesterol total", "Total cholesterol"),
    "screening.form.hdl": pair("Colesterol HDL", "HDL cholesterol"),
    "screening.form.answers": pair("Cuestionario", "Questionnaire"),
    "screening.form.age": pair("Edad (años)", "Age (years)"),
    "screening.form.sex": pair("Sexo", "Sex"),
    "screening.form.sex.female": pair("Mujer", "Female"),
    "screening.form.sex.male": pair("Hombre", "Male"),
    "screening.form.family": pair("Familiares con diabetes", "Relatives with diabetes"),
    "screening.form.family.none": pair("Ninguno", "None"),
    "screening.form.family.second-degree": pair(
        "Abuelos, tíos o primos", "Grandparents, aunts, uncles or cousins"
    ),
    "screening.form.family.first-degree": pair(
        "Padres, hermanos o hijos", "Parents, siblings or children"
    ),
    "screening.form.activity": pair(
        "¿Hace al menos 30 minutos de actividad física al día?",
        "At least 30 minutes of physical activity every day?",
    ),
    "screening.form.vegetables": pair(
        "¿Come verduras o frutas todos los días?", "Vegetables or fruit every day?"
    ),
    "screening.form.bp_medication": pair(
        "¿Ha tomado medicamento para la presión?", "Ever taken blood-pressure medicine?"
    ),
    "screening.form.high_glucose": pair(
        "¿Le han encontrado la glucosa alta?", "Ever told your glucose was high?"
    ),
    "screening.form.smoker": pair("¿Fuma actualmente?", "Do you smoke now?"),
    "screening.form.symptoms": pair(
        "¿Mucha sed, orina frecuente o pérdida de peso sin razón?",
        "Much thirst, frequent urination or unexplained weight loss?",
    ),
    "screening.form.pregnant": pair("¿Está embarazada?", "Pregnant?"),
    "screening.form.yes": pair("Sí", "Yes"),
    "screening.form.no": pair("No", "No"),
    "screening.form.submit": pair("Guardar tamizaje", "Save screening"),
    "screening.form.link": pair("Nuevo tamizaje", "New screening"),
    # result
    "screening.result.title": pair("Resultado del tamizaje", "Screening result"),
    "screening.result.condition": pair("Condición", "Condition"),
    "screening.result.class": pair("Resultado", "Result"),
    "screening.result.referred": pair(
        "referido a su clínica para confirmar", "referred to the clinic to confirm"
    ),
    "screening.result.bmi": pair("Índice de masa corporal", "Body mass index"),
    "screening.result.back": pair("Volver al expediente", "Back to the record"),
    "screening.result.cond.diabetes": pair("Diabetes", "Diabetes"),
    "screening.result.cond.hypertension": pair("Hipertensión", "Hypertension"),
    "screening.result.cond.obesity": pair("Obesidad", "Obesity"),
    "screening.result.cond.dyslipidemia": pair("Colesterol alto", "High cholesterol"),
    "screening.result.cond.cvd": pair("Riesgo cardiovascular", "Cardiovascular risk"),
    "screening.class.healthy": pair("Sano: sin datos de riesgo", "Healthy: no sign of risk"),
    "screening.class.at-risk": pair(
        "En riesgo: cambios de hábitos y volver a revisar",
        "At risk: lifestyle changes and check again",
    ),
    "screening.class.probable": pair(
        "Probable enfermedad: hay que confirmarla en la clínica",
        "Probable disease: to be confirmed at the clinic",
    ),
    "screening.class.known": pair(
        "Ya diagnosticada: revisar el control", "Already diagnosed: check control"
    ),
    "screening.class.not-assessed": pair("No evaluada: faltan datos", "Not assessed: data missing"),
    # patient page
    "screening.patient_gaps": pair("Brechas de atención", "Care gaps"),
}
