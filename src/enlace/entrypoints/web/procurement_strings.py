"""Strings of the regulator's procurement page: Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.procurement": pair("Compras públicas", "Public procurement"),
    "proc.title": pair("Señales de alerta en compras públicas", "Public procurement red flags"),
    "proc.intro": pair(
        "Indicadores Cardinal de Open Contracting sobre procesos de contratación (OCDS y "
        "CompraNet) y precios unitarios de medicamentos frente al precio de referencia.",
        "Open Contracting's Cardinal indicators over contracting processes (OCDS and CompraNet) "
        "and medicine unit prices against the reference price.",
    ),
    "proc.bad_input": pair(
        "La solicitud no es válida: revise el conjunto de datos, el indicador o la página.",
        "The request is not valid: check the data set, the indicator or the page.",
    ),
    "proc.none": pair(
        "Aún no hay análisis guardados. Ejecute «enlace procurement flags ARCHIVO --save».",
        "No saved analyses yet. Run “enlace procurement flags FILE --save”.",
    ),
    "proc.unreadable": pair(
        "No se pudieron leer estos análisis guardados: {names}",
        "These saved analyses could not be read: {names}",
    ),
    "proc.datasets": pair("Conjuntos de datos analizados", "Data sets analysed"),
    "proc.datasets_caption": pair(
        "Análisis guardados, uno por conjunto de datos", "Saved analyses, one per data set"
    ),
    "proc.dataset": pair("Conjunto", "Data set"),
    "proc.source": pair("Origen", "Source"),
    "proc.saved_at": pair("Analizado", "Analysed"),
    "proc.processes": pair("Procesos", "Processes"),
    "proc.excluded": pair("Excluidos", "Excluded"),
    "proc.malformed": pair("Filas dañadas", "Malformed rows"),
    "proc.flags_total": pair("Alertas", "Flags"),
    "proc.counts": pair("Alertas por indicador en {name}", "Flags by indicator in {name}"),
    "proc.counts_caption": pair(
        "Número de alertas de cada indicador", "Number of flags raised by each indicator"
    ),
    "proc.indicator": pair("Indicador", "Indicator"),
    "proc.count": pair("Alertas", "Flags"),
    "proc.all": pair("Todas las alertas", "All flags"),
    "proc.flags": pair("Alertas", "Flags"),
    "proc.flags_of": pair("Alertas de {code}", "Flags of {code}"),
    "proc.flags_caption": pair(
        "Cada alerta con el proceso (u organización), el valor y su explicación",
        "Each flag with its process (or organization), value and explanation",
    ),
    "proc.about": pair("Proceso u organización", "Process or organization"),
    "proc.value": pair("Valor", "Value"),
    "proc.explanation": pair("Explicación", "Explanation"),
    "proc.figures": pair("Cifras", "Figures"),
    "proc.no_flags": pair("Ninguna alerta.", "No flags."),
    "proc.shown": pair("Alertas {first} a {last} de {total}", "Flags {first} to {last} of {total}"),
    "proc.prices": pair(
        "Precio pagado frente a precio de referencia", "Price paid versus reference price"
    ),
    "proc.prices_caption": pair(
        "Medicamentos adjudicados, los sobreprecios mayores primero",
        "Awarded medicines, the worst overpayments first",
    ),
    "proc.medicine": pair("Medicamento", "Medicine"),
    "proc.description": pair("Descripción en el contrato", "Description in the contract"),
    "proc.unit_price": pair("Precio unitario pagado", "Unit price paid"),
    "proc.reference": pair("Precio de referencia", "Reference price"),
    "proc.ratio": pair("Veces la referencia", "Times the reference"),
    "proc.outlier": pair("Sobreprecio", "Overpriced"),
    "proc.matched": pair("Identificado por", "Matched by"),
    "proc.matched.cnis": pair("clave CNIS", "CNIS key"),
    "proc.matched.name": pair("nombre", "name"),
    "proc.yes": pair("Sí", "Yes"),
    "proc.no": pair("No", "No"),
    "proc.no_prices": pair(
        "Este conjunto de datos no trae partidas de medicamentos con precio unitario y clave o "
        "nombre que se puedan comparar (solo importes totales de contrato).",
        "This data set has no medicine items with a unit price and a key or name to compare "
        "(only contract totals).",
    ),
    "proc.prices_more": pair(
        "Se muestran las {shown} comparaciones con mayor sobreprecio de {total}.",
        "The {shown} worst of {total} comparisons are shown.",
    ),
    "proc.reference_note": pair(
        "Los precios de referencia son los del catálogo sintético: las razones son indicativas.",
        "Reference prices are the synthetic catalog's: ratios are indicative only.",
    ),
    "proc.title.R003": pair("Periodo de presentación corto", "Short submission period"),
    "proc.title.R018": pair("Una sola propuesta recibida", "Single bid received"),
    "proc.title.R024": pair("Precio cercano a la propuesta ganadora", "Price close to winning bid"),
    "proc.title.R028": pair("Propuestas con precios idénticos", "Identical bid prices"),
    "proc.title.R030": pair("Ganó una propuesta tardía", "Late bid won"),
    "proc.title.R035": pair(
        "Todas descalificadas salvo la ganadora", "All except winning bid disqualified"
    ),
    "proc.title.R036": pair("Propuesta más baja descalificada", "Lowest bid disqualified"),
    "proc.title.R038": pair("Descalificaciones excesivas", "Excessive disqualified bids"),
    "proc.title.R048": pair("Proveedor heterogéneo", "Heterogeneous supplier"),
    "proc.title.R058": pair("Propuesta con descuento excesivo", "Heavily discounted bid"),
}
