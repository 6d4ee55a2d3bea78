"""Strings of the pharmacovigilance pages: Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.vigilance_report": pair("Reportar una reacción", "Report a reaction"),
    "nav.vigilance_clinician": pair("Farmacovigilancia: reporte", "Pharmacovigilance: report"),
    "nav.vigilance_signals": pair("Señales de seguridad", "Safety signals"),
    "vig.patient_title": pair("Reportar una reacción", "Report a reaction"),
    "vig.patient_intro": pair(
        "Si cree que un medicamento le hizo daño o le causó algo raro, cuéntenos con sus "
        "palabras. Su reporte ayuda a que los medicamentos sean más seguros para todos.",
        "If you think a medicine harmed you or caused something unusual, tell us in your own "
        "words. Your report helps make medicines safer for everyone.",
    ),
    "vig.clinician_title": pair(
        "Reporte de sospecha de reacción adversa", "Suspected adverse reaction report"
    ),
    "vig.patient": pair("Paciente (id)", "Patient (id)"),
    "vig.drug": pair("Medicamento que sospecha", "Suspect medicine"),
    "vig.drug_choose": pair("Elija el medicamento", "Choose the medicine"),
    "vig.words": pair("¿Qué le pasó?", "What happened?"),
    "vig.words_hint": pair(
        "Por ejemplo: «me salieron ronchas» o «tengo tos seca».",
        "For example: “I got hives” or “I have a dry cough”.",
    ),
    "vig.meddra": pair("Reacción (MedDRA)", "Reaction (MedDRA)"),
    "vig.onset": pair("¿Cuándo empezó?", "When did it start?"),
    "vig.serious": pair(
        "Fue grave: hospitalización, riesgo para la vida, discapacidad o muerte",
        "It was serious: hospitalisation, life-threatening, disability or death",
    ),
    "vig.expected": pair(
        "Está descrita en la etiqueta (esperada)", "Listed in the label (expected)"
    ),
    "vig.send": pair("Enviar reporte", "Send report"),
    "vig.thanks": pair(
        "Gracias. Recibimos su reporte; el equipo de farmacovigilancia lo revisará.",
        "Thank you. We received your report; the pharmacovigilance team will review it.",
    ),
    "vig.recorded": pair("Reporte registrado", "Report recorded"),
    "vig.reaction_as": pair("Reacción registrada como", "Reaction recorded as"),
    "vig.deadline": pair("Fecha límite de notificación", "Reporting deadline"),
    "vig.bad_input": pair(
        "El reporte necesita el medicamento que sospecha y lo que pasó.",
        "The report needs the suspect medicine and what happened.",
    ),
    "vig.signals_title": pair("Señales de seguridad", "Safety signals"),
    "vig.signals_intro": pair(
        "Pares medicamento-reacción reportados más de lo esperado (PRR ≥ 2 con χ² ≥ 4 y al menos "
        "3 casos; ROR con IC 95 % por encima de 1; IC025 > 0). Una señal no prueba causa: "
        "revísela y confírmela o descártela, con su razón.",
        "Medicine-reaction pairs reported more than expected (PRR ≥ 2 with χ² ≥ 4 and at least "
        "3 cases; ROR with 95% CI above 1; IC025 > 0). A signal is not proof of cause: review "
        "it and confirm or refute it, with your reason.",
    ),
    "vig.none": pair("No hay señales.", "No signals."),
    "vig.event": pair("Reacción", "Reaction"),
    "vig.cases": pair("Casos", "Cases"),
    "vig.methods": pair("Métodos", "Methods"),
    "vig.status": pair("Estado", "Status"),
    "vig.status.new": pair("Nueva", "New"),
    "vig.status.under_review": pair("En revisión", "Under review"),
    "vig.status.confirmed": pair("Confirmada", "Confirmed"),
    "vig.status.refuted": pair("Descartada", "Refuted"),
    "vig.reason": pair("Razón", "Reason"),
    "vig.move": pair("Cambiar a", "Move to"),
    "vig.detect": pair("Buscar señales ahora", "Detect signals now"),
    "vig.overdue": pair("Casos con notificación vencida", "Cases past their reporting deadline"),
}
