"""Strings of the network's stock-out dashboard (/supply): Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog


def _pair(es: str, en: str) -> dict[str, str]:
    return {"es-MX": es, "en": en}


STRINGS: Catalog = {
    "nav.supply": _pair("Desabasto", "Stock-outs"),
    "supply.title": _pair("Desabasto de medicamentos", "Medicine stock-outs"),
    "supply.intro": _pair(
        "Foto diaria del inventario de cada unidad: tasa de desabasto (unidades en cero entre "
        "las que deben surtir el producto), meses de inventario, abasto según el plan y las "
        "alertas de las unidades que se quedarán sin producto antes de su próxima entrega.",
        "The daily picture of each facility's stock: stock-out rate (facilities at zero among "
        "those expected to stock the product), months of stock, stocked according to plan and "
        "the alerts for facilities that will run out before their next delivery.",
    ),
    "supply.bad_input": _pair(
        "La solicitud no es válida: un estado, institución o unidad que no existe, una fecha "
        "mal escrita (AAAA-MM-DD) o futura, o un día sin foto diaria.",
        "The request is not valid: an unknown state, institution or facility, a malformed "
        "(YYYY-MM-DD) or future date, or a day without a snapshot.",
    ),
    "supply.no_org": _pair(
        "Su cuenta no está ligada a una farmacia.", "Your account is not linked to a pharmacy."
    ),
    "supply.none": _pair(
        "Aún no hay fotos diarias: ejecute «enlace supply snapshot».",
        "No daily snapshots yet: run `enlace supply snapshot`.",
    ),
    "supply.filters": _pair("Filtrar", "Filter"),
    "supply.state": _pair("Estado", "State"),
    "supply.institution": _pair("Institución", "Institution"),
    "supply.facility": _pair("Unidad", "Facility"),
    "supply.all": _pair("Todas", "All"),
    "supply.date": _pair("Día", "Day"),
    "supply.apply": _pair("Aplicar", "Apply"),
    "supply.day": _pair("Foto del {day}", "Snapshot of {day}"),
    "supply.rate": _pair("Tasa de desabasto", "Stock-out rate"),
    "supply.rate_chart": _pair("Tasa de desabasto en el tiempo", "Stock-out rate over time"),
    "supply.abastonet": _pair("AbastoNET: 15 %", "AbastoNET: 15 %"),
    "supply.summary": _pair(
        "{out} de {pairs} productos esperados en cero ({rate}).",
        "{out} of {pairs} expected products at zero ({rate}).",
    ),
    "supply.worst_facilities": _pair("Unidades con más desabasto", "Facilities most out of stock"),
    "supply.worst_products": _pair("Productos con más desabasto", "Products most out of stock"),
    "supply.at_zero": _pair("En cero", "At zero"),
    "supply.expected": _pair("Esperados", "Expected"),
    "supply.reported": _pair("Reportó", "Reported"),
    "supply.within_plan": _pair("Según el plan", "Within plan"),
    "supply.product": _pair("Producto", "Product"),
    "supply.lowest_mos": _pair("Menos meses de inventario", "Fewest months of stock"),
    "supply.on_hand": _pair("Existencia", "On hand"),
    "supply.amc": _pair("Consumo mensual promedio", "Average monthly consumption"),
    "supply.mos": _pair("Meses de inventario", "Months of stock"),
    "supply.alerts": _pair(
        "Alertas: se agotará antes de la entrega", "Alerts: runs out before delivery"
    ),
    "supply.daily_use": _pair("Consumo diario", "Daily use"),
    "supply.days_of_stock": _pair("Días de inventario", "Days of stock"),
    "supply.next_delivery": _pair("Próxima entrega", "Next delivery"),
    "supply.shortfall": _pair("Faltante", "Short"),
    "supply.no_alerts": _pair("Sin alertas este día.", "No alerts on this day."),
    "supply.nothing": _pair("Nada que mostrar.", "Nothing to show."),
    "supply.yes": _pair("Sí", "Yes"),
    "supply.no": _pair("No", "No"),
}
