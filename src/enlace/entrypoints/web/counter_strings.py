"""Strings of the pharmacy counter pages: Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog


def _pair(es: str, en: str) -> dict[str, str]:
    return {"es-MX": es, "en": en}


STRINGS: Catalog = {
    "nav.counter": _pair("Surtir recetas", "Dispense"),
    "counter.title": _pair("Recetas por surtir", "Prescriptions to dispense"),
    "counter.routed": _pair("Enviadas a esta farmacia", "Sent to this pharmacy"),
    "counter.find": _pair("Buscar las recetas de un paciente", "Find a patient's prescriptions"),
    "counter.patient_id": _pair("Expediente del paciente", "Patient record id"),
    "counter.search": _pair("Buscar", "Search"),
    "counter.none": _pair("No hay recetas activas.", "No active prescriptions."),
    "counter.patient": _pair("Paciente", "Patient"),
    "counter.medicine": _pair("Medicamento", "Medicine"),
    "counter.quantity": _pair("Cantidad", "Quantity"),
    "counter.refills": _pair("Resurtidos", "Refills"),
    "counter.valid_until": _pair("Vigente hasta", "Valid until"),
    "counter.delivery": _pair("Entrega", "Fulfilment"),
    "counter.home": _pair("a domicilio", "home delivery"),
    "counter.pickup": _pair("en farmacia", "pick-up"),
    "counter.dispense": _pair("Surtir", "Dispense"),
    "counter.scan_title": _pair("Surtir receta", "Dispense prescription"),
    "counter.pick_list": _pair(
        "Tome primero los lotes que caducan antes", "Pick the lots that expire first"
    ),
    "counter.lot": _pair("Lote", "Lot"),
    "counter.expiry": _pair("Caducidad", "Expiry"),
    "counter.take": _pair("Tomar", "Take"),
    "counter.on_hand": _pair("En existencia", "On hand"),
    "counter.short": _pair(
        "Faltan {n} piezas en existencia: surtido parcial.",
        "{n} units short on hand: a partial fill.",
    ),
    "counter.no_stock": _pair("Sin existencia de este medicamento.", "No stock of this medicine."),
    "counter.scan": _pair(
        "Escanee cada empaque (un código por línea)", "Scan each pack (one code per line)"
    ),
    "counter.submit": _pair("Verificar y surtir", "Verify and dispense"),
    "counter.refused": _pair("No se surtió:", "Not dispensed:"),
    "counter.done": _pair("Receta surtida", "Prescription dispensed"),
    "counter.patient_pays": _pair("El paciente paga", "The patient pays"),
    "counter.claim": _pair("Reclamación a la aseguradora", "Claim to the payer"),
    "counter.packs": _pair("Empaques", "Packs"),
    "counter.back": _pair("Volver a la lista", "Back to the list"),
    "counter.no_pharmacy": _pair(
        "Su cuenta no está vinculada a una farmacia.", "Your account is not linked to a pharmacy."
    ),
    "counter.bad_id": _pair("El identificador no es válido.", "The id is not valid."),
}
