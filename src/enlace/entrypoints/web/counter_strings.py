"""Strings of the pharmacy counter pages: Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.counter": pair("Surtir recetas", "Dispense"),
    "counter.title": pair("Recetas por surtir", "Prescriptions to dispense"),
    "counter.routed": pair("Enviadas a esta farmacia", "Sent to this pharmacy"),
    "counter.find": pair("Buscar las recetas de un paciente", "Find a patient's prescriptions"),
    "counter.patient_id": pair("Expediente del paciente", "Patient record id"),
    "counter.search": pair("Buscar", "Search"),
    "counter.none": pair("No hay recetas activas.", "No active prescriptions."),
    "counter.patient": pair("Paciente", "Patient"),
    "counter.medicine": pair("Medicamento", "Medicine"),
    "counter.quantity": pair("Cantidad", "Quantity"),
    "counter.refills": pair("Resurtidos", "Refills"),
    "counter.valid_until": pair("Vigente hasta", "Valid until"),
    "counter.delivery": pair("Entrega", "Fulfilment"),
    "counter.home": pair("a domicilio", "home delivery"),
    "counter.pickup": pair("en farmacia", "pick-up"),
    "counter.dispense": pair("Surtir", "Dispense"),
    "counter.scan_title": pair("Surtir receta", "Dispense prescription"),
    "counter.pick_list": pair(
        "Tome primero los lotes que caducan antes", "Pick the lots that expire first"
    ),
    "counter.lot": pair("Lote", "Lot"),
    "counter.expiry": pair("Caducidad", "Expiry"),
    "counter.take": pair("Tomar", "Take"),
    "counter.on_hand": pair("En existencia", "On hand"),
    "counter.short": pair(
        "Faltan {n} piezas en existencia: surtido parcial.",
        "{n} units short on hand: a partial fill.",
    ),
    "counter.no_stock": pair("Sin existencia de este medicamento.", "No stock of this medicine."),
    "counter.scan": pair(
        "Escanee cada empaque (un código por línea)", "Scan each pack (one code per line)"
    ),
    "counter.submit": pair("Verificar y surtir", "Verify and dispense"),
    "counter.refused": pair("No se surtió:", "Not dispensed:"),
    "counter.done": pair("Receta surtida", "Prescription dispensed"),
    "counter.patient_pays": pair("El paciente paga", "The patient pays"),
    "counter.claim": pair("Reclamación a la aseguradora", "Claim to the payer"),
    "counter.packs": pair("Empaques", "Packs"),
    "counter.back": pair("Volver a la lista", "Back to the list"),
    "counter.no_pharmacy": pair(
        "Su cuenta no está vinculada a una farmacia.", "Your account is not linked to a pharmacy."
    ),
    "counter.bad_id": pair("El identificador no es válido.", "The id is not valid."),
    "nav.stock": pair("Existencias", "Stock"),
    "stock.title": pair("Existencias y caducidades", "Stock and expiries"),
    "stock.on_hand": pair("En existencia", "On hand"),
    "stock.medicine": pair("Medicamento", "Medicine"),
    "stock.units": pair("Unidades", "Units"),
    "stock.lots": pair("Lotes (caducidad: unidades)", "Lots (expiry: units)"),
    "stock.none": pair("Sin existencias registradas.", "No stock recorded."),
    "stock.soon": pair("Caducan en los próximos {days} días", "Expiring in the next {days} days"),
    "stock.soon_none": pair("Ningún lote caduca pronto.", "No lot expires soon."),
    "stock.expired": pair(
        "Caducados en anaquel: retírelos y regístrelos como merma por caducidad",
        "Expired on the shelf: take them off and adjust them out as expired",
    ),
    "stock.expired_none": pair("Ningún lote caducado en anaquel.", "No expired lot on the shelf."),
    "stock.lot": pair("Lote", "Lot"),
    "stock.expiry": pair("Caducidad", "Expiry"),
    "stock.window": pair("Días", "Days"),
    "stock.show": pair("Mostrar", "Show"),
    "stock.bad_days": pair("Los días van de 1 a 365.", "Days go from 1 to 365."),
}
