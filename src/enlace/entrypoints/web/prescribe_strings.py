"""Strings of the prescription form: Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog


def _pair(es: str, en: str) -> dict[str, str]:
    return {"es-MX": es, "en": en}


STRINGS: Catalog = {
    "rx.new": _pair("Nueva receta", "New prescription"),
    "rx.title": _pair("Nueva receta para {name}", "New prescription for {name}"),
    "rx.medicine": _pair("Medicamento", "Medicine"),
    "rx.choose": _pair("Elija…", "Choose…"),
    "rx.dose": _pair("Dosis", "Dose"),
    "rx.unit": _pair("Unidad", "Unit"),
    "rx.unit.tablet": _pair("tableta(s)", "tablet(s)"),
    "rx.unit.capsule": _pair("cápsula(s)", "capsule(s)"),
    "rx.unit.mg": _pair("mg", "mg"),
    "rx.unit.iu": _pair("UI", "IU"),
    "rx.unit.puff": _pair("disparo(s)", "puff(s)"),
    "rx.unit.ml": _pair("mL", "mL"),
    "rx.frequency": _pair("Veces", "Times"),
    "rx.period": _pair("Por", "Per"),
    "rx.per.day": _pair("día", "day"),
    "rx.per.week": _pair("semana", "week"),
    "rx.route": _pair("Vía", "Route"),
    "rx.route.oral": _pair("oral", "oral"),
    "rx.route.subcut": _pair("subcutánea", "subcutaneous"),
    "rx.route.inhaled": _pair("inhalada", "inhaled"),
    "rx.route.iv": _pair("intravenosa", "intravenous"),
    "rx.sig": _pair("Indicaciones para el paciente", "Instructions for the patient"),
    "rx.days": _pair("Días de tratamiento por surtido", "Days of supply per fill"),
    "rx.quantity": _pair("Cantidad por surtido (unidades)", "Quantity per fill (units)"),
    "rx.refills": _pair("Resurtidos", "Refills"),
    "rx.fulfilment": _pair("Entrega", "Fulfilment"),
    "rx.fulfil.pickup": _pair("Recoger en farmacia", "Pick up at the pharmacy"),
    "rx.fulfil.home": _pair("Entrega a domicilio", "Home delivery"),
    "rx.pharmacy": _pair("Farmacia (opcional)", "Pharmacy (optional)"),
    "rx.any_pharmacy": _pair("Cualquier farmacia", "Any pharmacy"),
    "rx.submit": _pair("Emitir receta", "Issue prescription"),
    "rx.fix": _pair("Revise los campos marcados.", "Check the marked fields."),
    "rx.error.choose": _pair("Elija una opción.", "Choose an option."),
    "rx.error.number": _pair("Escriba un número.", "Write a number."),
    "rx.error.range": _pair("El número está fuera del intervalo.", "The number is out of range."),
    "rx.no_practitioner": _pair(
        "Su cuenta no está vinculada a un médico con cédula; no puede emitir recetas.",
        "Your account is not linked to a licensed physician; you cannot prescribe.",
    ),
    "rx.issued": _pair("Receta emitida", "Prescription issued"),
    "rx.coverage": _pair("Cobertura al prescribir", "Coverage at order"),
    "rx.covered": _pair("Cubierto", "Covered"),
    "rx.not_covered": _pair("No cubierto", "Not covered"),
    "rx.patient_pays": _pair("Paga el paciente (por surtido)", "Patient pays (per fill)"),
    "rx.payer_pays": _pair("Paga la aseguradora (por surtido)", "Payer pays (per fill)"),
    "rx.prior_auth": _pair(
        "Requiere autorización previa de la aseguradora.",
        "Needs prior authorization from the payer.",
    ),
    "rx.alternative": _pair("Alternativa cubierta", "Covered alternative"),
    "rx.reason": _pair("Motivo", "Reason"),
    "rx.tier": _pair("Nivel del formulario", "Formulary tier"),
    "rx.back": _pair("Volver al expediente", "Back to the record"),
    "rx.number": _pair("Folio", "Number"),
}
