"""Strings of the network's stock-out dashboard (/supply): Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.supply": pair("Desabasto", "Stock-outs"),
    "supply.title": pair("Desabasto de medicamentos", "Medicine stock-outs"),
    "supply.intro": pair(
        "Foto diaria del inventario de cada unidad: tasa de desabasto (unidades en cero entre "
        "las que deben surtir el producto), meses de inventario, abasto según el plan y las "
        "alertas de las unidades que se quedarán sin producto antes de su próxima entrega.",
        "The daily picture of each facility's stock: stock-out rate (facilities at zero among "
        "those expected to stock the product), months of stock, stocked according to plan and "
        "the alerts for facilities that will run out before their next delivery.",
    ),
    "supply.bad_input": pair(
        "La solicitud no es válida: un estado, institución o unidad que no existe, una fecha "
        "mal escrita (AAAA-MM-DD) o futura, o un día sin foto diaria.",
        "The request is not valid: an unknown state, institution or facility, a malformed "
        "(YYYY-MM-DD) or future date, or a day without a snapshot.",
    ),
    "supply.no_org": pair(
        "Su cuenta no está ligada a una farmacia.", "Your account is not linked to a pharmacy."
    ),
    "supply.none": pair(
        "Aún no hay fotos diarias: ejecute «enlace supply snapshot».",
        "No daily snapshots yet: run `enlace supply snapshot`.",
    ),
    "supply.filters": pair("Filtrar", "Filter"),
    "supply.state": pair("Estado", "State"),
    "supply.institution": pair("Institución", "Institution"),
    "supply.facility": pair("Unidad", "Facility"),
    "supply.all": pair("Todas", "All"),
    "supply.date": pair("Día", "Day"),
    "supply.apply": pair("Aplicar", "Apply"),
    "supply.day": pair("Foto del {day}", "Snapshot of {day}"),
    "supply.rate": pair("Tasa de desabasto", "Stock-out rate"),
    "supply.rate_chart": pair("Tasa de desabasto en el tiempo", "Stock-out rate over time"),
    "supply.abastonet": pair("AbastoNET: 15 %", "AbastoNET: 15 %"),
    "supply.summary": pair(
        "{out} de {pairs} productos esperados en cero ({rate}).",
        "{out} of {pairs} expected products at zero ({rate}).",
    ),
    "supply.worst_facilities": pair("Unidades con más desabasto", "Facilities most out of stock"),
    "supply.worst_products": pair("Productos con más desabasto", "Products most out of stock"),
    "supply.at_zero": pair("En cero", "At zero"),
    "supply.expected": pair("Esperados", "Expected"),
    "supply.reported": pair("Reportó", "Reported"),
    "supply.within_plan": pair("Según el plan", "Within plan"),
    "supply.product": pair("Producto", "Product"),
    "supply.lowest_mos": pair("Menos meses de inventario", "Fewest months of stock"),
    "supply.on_hand": pair("Existencia", "On hand"),
    "supply.amc": pair("Consumo mensual promedio", "Average monthly consumption"),
    "supply.mos": pair("Meses de inventario", "Months of stock"),
    "supply.alerts": pair(
        "Alertas: se agotará antes de la entrega", "Alerts: runs out before delivery"
    ),
    "supply.daily_use": pair("Consumo diario", "Daily use"),
    "supply.days_of_stock": pair("Días de inventario", "Days of stock"),
    "supply.next_delivery": pair("Próxima entrega", "Next delivery"),
    "supply.shortfall": pair("Faltante", "Short"),
    "supply.no_alerts": pair("Sin alertas este día.", "No alerts on this day."),
    "supply.nothing": pair("Nada que mostrar.", "Nothing to show."),
    "supply.yes": pair("Sí", "Yes"),
    "supply.no": pair("No", "No"),
}
