"""Strings of the cold-chain pages: Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.coldchain": pair("Cadena de frío", "Cold chain"),
    "nav.coldchain_network": pair("Cadena de frío (red)", "Cold chain (network)"),
    "cold.title": pair("Excursiones de temperatura", "Temperature excursions"),
    "cold.intro": pair(
        "Cuando un registrador de temperatura da una alarma (más de 8 °C durante 10 horas "
        "seguidas, o -0.5 °C o menos durante 1 hora), los lotes que guarda quedan en cuarentena: "
        "no se pueden dispensar hasta que usted decida liberarlos o destruirlos.",
        "When a temperature logger raises an alarm (above 8 °C for 10 hours in a row, or -0.5 °C "
        "or below for 1 hour), the lots it guards are quarantined: they cannot be dispensed until "
        "you decide to release or destroy them.",
    ),
    "cold.none": pair("No hay excursiones en esta farmacia.", "No excursions at this pharmacy."),
    "cold.kind": pair("Alarma", "Alarm"),
    "cold.kind.heat": pair("Calor", "Heat"),
    "cold.kind.freeze": pair("Congelación", "Freeze"),
    "cold.logger": pair("Registrador", "Logger"),
    "cold.start": pair("Inicio", "Start"),
    "cold.end": pair("Fin", "End"),
    "cold.ongoing": pair("En curso", "Ongoing"),
    "cold.peak": pair("Pico (°C)", "Peak (°C)"),
    "cold.status": pair("Estado", "Status"),
    "cold.status.open": pair("Pendiente de decisión", "Awaiting decision"),
    "cold.status.released": pair("Liberado", "Released"),
    "cold.status.destroyed": pair("Destruido", "Destroyed"),
    "cold.lots": pair("Lotes en cuarentena", "Quarantined lots"),
    "cold.decision": pair("Decisión", "Decision"),
    "cold.reason": pair("Motivo (obligatorio)", "Reason (required)"),
    "cold.release": pair("Liberar los lotes", "Release the lots"),
    "cold.destroy": pair("Destruir los lotes", "Destroy the lots"),
    "cold.decided": pair("Decidido por {who}: {reason}", "Decided by {who}: {reason}"),
    "cold.bad_input": pair(
        "La decisión no es válida: escriba el motivo; una excursión en curso no se puede liberar "
        "y cada excursión se decide una sola vez.",
        "The decision is not valid: write the reason; an ongoing excursion cannot be released "
        "and each excursion is decided only once.",
    ),
    "cold.network_title": pair("Cadena de frío de la red", "Network cold chain"),
    "cold.loggers": pair("Registradores", "Loggers"),
    "cold.facility": pair("Unidad", "Facility"),
    "cold.place": pair("Lugar", "Place"),
    "cold.place.fridge": pair("Refrigerador", "Fridge"),
    "cold.place.cold-room": pair("Cámara fría", "Cold room"),
    "cold.place.delivery-box": pair("Caja de entrega", "Delivery box"),
    "cold.state": pair("Estado", "State"),
    "cold.state.ok": pair("En rango", "In range"),
    "cold.state.excursion": pair("Excursión abierta", "Open excursion"),
    "cold.state.fault": pair("Falla del registrador", "Logger fault"),
    "cold.state.silent": pair("Sin datos", "Silent"),
    "cold.state.retired": pair("Retirado", "Retired"),
    "cold.last": pair("Última lectura", "Last reading"),
    "cold.no_loggers": pair("No hay registradores.", "No loggers."),
    "cold.excursions": pair("Excursiones", "Excursions"),
    "cold.quarantine": pair("Lotes en cuarentena", "Lots in quarantine"),
    "cold.no_quarantine": pair("Ningún lote en cuarentena.", "No lots in quarantine."),
    "cold.medicine": pair("Medicamento", "Medicine"),
    "cold.lot": pair("Lote", "Lot"),
    "cold.units": pair("Unidades", "Units"),
    "cold.mkt": pair("Temperatura cinética media por lote", "Mean kinetic temperature per lot"),
    "cold.mkt_value": pair("TCM (°C)", "MKT (°C)"),
    "cold.outside": pair("Horas fuera de 2-8 °C", "Hours outside 2-8 °C"),
    "cold.no_lots": pair("Ningún lote guardado por registradores.", "No lots guarded by loggers."),
}
