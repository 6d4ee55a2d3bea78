"""Strings of the regulator's procurement page: Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog


def _pair(es: str, en: str) -> dict[str, str]:
    return {"es-MX": es, "en": en}


STRINGS: Catalog = {
    "nav.procurement": _pair("Compras públicas", "Public procurement"),
    "proc.title": _pair("Señales de alerta en compras públicas", "Public procurement red flags"),
    "proc.intro": _pair(
        "Indicadores Cardinal de Open Contracting sobre procesos de contratación (OCDS y "
        "CompraNet) y precios unitarios de medicamentos frente al precio de referencia.",
        "Open Contracting's Cardinal indicators over contracting processes (OCDS and CompraNet) "
        "and medicine unit prices against the reference price.",
    ),
    "proc.bad_input": _pair(
        "La solicitud no es válida: revise el conjunto de datos, el indicador o la página.",
        "The request is not valid: check the data set, the indicator or the page.",
    ),
    "proc.none": _pair(
        "Aún no hay análisis guardados. Ejecute «enlace procurement flags ARCHIVO --save».",
        "No saved analyses yet. Run “enlace procurement flags FILE --save”.",
    ),
    "proc.unreadable": _pair(
        "No se pudieron leer estos análisis guardados: {names}",
        "These saved analyses could not be read: {names}",
    ),
    "proc.datasets": _pair("Conjuntos de datos analizados", "Data sets analysed"),
    "proc.datasets_caption": _pair(
        "Análisis guardados, uno por conjunto de datos", "Saved analyses, one per data set"
    ),
    "proc.dataset": _pair("Conjunto", "Data set"),
    "proc.source": _pair("Origen", "Source"),
    "proc.saved_at": _pair("Analizado", "Analysed"),
    "proc.processes": _pair("Procesos", "Processes"),
    "proc.excluded": _pair("Excluidos", "Excluded"),
    "proc.malformed": _pair("Filas dañadas", "Malformed rows"),
    "proc.flags_total": _pair("Alertas", "Flags"),
    "proc.counts": _pair("Alertas por indicador en {name}", "Flags by indicator in {name}"),
    "proc.counts_caption": _pair(
        "Número de alertas de cada indicador", "Number of flags raised by each indicator"
    ),
    "proc.indicator": _pair("Indicador", "Indicator"),
    "proc.count": _pair("Alertas", "Flags"),
    "proc.all": _pair("Todas las alertas", "All flags"),
    "proc.flags": _pair("Alertas", "Flags"),
    "proc.flags_of": _pair("Alertas de {code}", "Flags of {code}"),
    "proc.flags_caption": _pair(
        "Cada alerta con el proceso (u organización), el valor y su explicación",
        "Each flag with its process (or organization), value and explanation",
    ),
    "proc.about": _pair("Proceso u organización", "Process or organization"),
    "proc.value": _pair("Valor", "Value"),
    "proc.explanation": _pair("Explicación", "Explanation"),
    "proc.figures": _pair("Cifras", "Figures"),
    "proc.no_flags": _pair("Ninguna alerta.", "No flags."),
    "proc.shown": _pair(
        "Alertas {first} a {last} de {total}", "Flags {first} to {last} of {total}"
    ),
    "proc.prices": _pair(
        "Precio pagado frente a precio de referencia", "Price paid versus reference price"
    ),
    "proc.prices_caption": _pair(
        "Medicamentos adjudicados, los sobreprecios mayores primero",
        "Awarded medicines, the worst overpayments first",
    ),
    "proc.medicine": _pair("Medicamento", "Medicine"),
    "proc.description": _pair("Descripción en el contrato", "Description in the contract"),
    "proc.unit_price": _pair("Precio unitario pagado", "Unit price paid"),
    "proc.reference": _pair("Precio de referencia", "Reference price"),
    "proc.ratio": _pair("Veces la referencia", "Times the reference"),
    "proc.outlier": _pair("Sobreprecio", "Overpriced"),
    "proc.matched": _pair("Identificado por", "Matched by"),
    "proc.matched.cnis": _pair("clave CNIS", "CNIS key"),
    "proc.matched.name": _pair("nombre", "name"),
    "proc.yes": _pair("Sí", "Yes"),
    "proc.no": _pair("No", "No"),
    "proc.no_prices": _pair(
        "Este conjunto de datos no trae partidas de medicamentos con precio unitario y clave o "
        "nombre que se puedan comparar (solo importes totales de contrato).",
        "This data set has no medicine items with a unit price and a key or name to compare "
        "(only contract totals).",
    ),
    "proc.prices_more": _pair(
        "Se muestran las {shown} comparaciones con mayor sobreprecio de {total}.",
        "The {shown} worst of {total} comparisons are shown.",
    ),
    "proc.reference_note": _pair(
        "Los precios de referencia son los del catálogo sintético: las razones son indicativas.",
        "Reference prices are the synthetic catalog's: ratios are indicative only.",
    ),
    "proc.title.R003": _pair("Periodo de presentación corto", "Short submission period"),
    "proc.title.R018": _pair("Una sola propuesta recibida", "Single bid received"),
    "proc.title.R024": _pair(
        "Precio cercano a la propuesta ganadora", "Price close to winning bid"
    ),
    "proc.title.R028": _pair("Propuestas con precios idénticos", "Identical bid prices"),
    "proc.title.R030": _pair("Ganó una propuesta tardía", "Late bid won"),
    "proc.title.R035": _pair(
        "Todas descalificadas salvo la ganadora", "All except winning bid disqualified"
    ),
    "proc.title.R036": _pair("Propuesta más baja descalificada", "Lowest bid disqualified"),
    "proc.title.R038": _pair("Descalificaciones excesivas", "Excessive disqualified bids"),
    "proc.title.R048": _pair("Proveedor heterogéneo", "Heterogeneous supplier"),
    "proc.title.R058": _pair("Propuesta con descuento excesivo", "Heavily discounted bid"),
}
