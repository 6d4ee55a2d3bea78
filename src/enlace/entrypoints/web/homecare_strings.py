"""Strings of the home-care pages: Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.homecare_day": pair("Mis visitas", "My visits"),
    "nav.homecare_plan": pair("Visitas domiciliarias", "Home visits"),
    "home.day_title": pair("Mis visitas del día", "My visits today"),
    "home.plan_title": pair("Plan de visitas domiciliarias", "Home-visit plan"),
    "home.date": pair("Fecha", "Date"),
    "home.show": pair("Ver", "Show"),
    "home.none": pair("No hay visitas para este día.", "No visits on this day."),
    "home.start": pair("Hora", "Time"),
    "home.patient": pair("Paciente", "Patient"),
    "home.address": pair("Domicilio", "Address"),
    "home.window": pair("Ventana", "Window"),
    "home.status": pair("Estado", "Status"),
    "home.nurse": pair("Enfermera(o)", "Nurse"),
    "home.reason": pair("Motivo", "Reason"),
    "home.document": pair("Documentar visita", "Document visit"),
    "home.unassigned": pair("Sin asignar", "Unassigned"),
    "home.plan_now": pair("Planear el día", "Plan the day"),
    "home.kind.infusion": pair("Infusión domiciliaria", "Home infusion"),
    "home.kind.nursing": pair("Enfermería (curación)", "Nursing (wound care)"),
    "home.kind.oncology-followup": pair("Seguimiento de oncología oral", "Oral oncology follow-up"),
    "home.status.scheduled": pair("Programada", "Scheduled"),
    "home.status.planned": pair("Planeada", "Planned"),
    "home.status.unassigned": pair("Sin asignar", "Unassigned"),
    "home.status.documented": pair("Documentada", "Documented"),
    "home.status.missed": pair("No realizada (escalada)", "Missed (escalated)"),
    "home.vitals": pair("Signos vitales", "Vital signs"),
    "home.vital.heart-rate": pair("Frecuencia cardiaca (/min)", "Heart rate (/min)"),
    "home.vital.systolic": pair("Presión sistólica (mmHg)", "Systolic pressure (mmHg)"),
    "home.vital.diastolic": pair("Presión diastólica (mmHg)", "Diastolic pressure (mmHg)"),
    "home.vital.temperature": pair("Temperatura (°C)", "Temperature (°C)"),
    "home.vital.spo2": pair("Saturación de oxígeno (%)", "Oxygen saturation (%)"),
    "home.vital.respiratory-rate": pair(
        "Frecuencia respiratoria (/min)", "Respiratory rate (/min)"
    ),
    "home.administration": pair("Administración", "Administration"),
    "home.medication": pair("Medicamento", "Medication"),
    "home.lot": pair("Lote", "Lot"),
    "home.dose": pair("Dosis", "Dose"),
    "home.unit": pair("Unidad (UCUM)", "Unit (UCUM)"),
    "home.route": pair("Vía", "Route"),
    "home.note": pair("Nota", "Note"),
    "home.save": pair("Guardar", "Save"),
    "home.bad_input": pair(
        "No se pudo guardar: revise los datos (signos vitales plausibles, lote que no esté en "
        "cuarentena de cadena de frío, la visita debe estar asignada a usted).",
        "Could not save: check the data (plausible vital signs, a lot not in cold-chain "
        "quarantine, the visit must be assigned to you).",
    ),
    "home.no_practitioner": pair(
        "Su cuenta no está ligada a un profesional (Practitioner).",
        "Your account is not linked to a Practitioner.",
    ),
    "home.bad_date": pair("Fecha inválida (AAAA-MM-DD).", "Invalid date (YYYY-MM-DD)."),
    "home.bad_number": pair("Un valor numérico no es válido.", "A numeric value is invalid."),
}
