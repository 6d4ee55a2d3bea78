"""Strings of the disease-registry page: Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.registry": pair("Registros de enfermedades", "Disease registries"),
    "reg.title": pair("Registro nacional", "National registry"),
    "reg.intro": pair(
        "Casos que cada institución reporta al registro de forma automática (suscripción FHIR): "
        "completitud es la parte de sus casos que el registro ya recibió; oportunidad, la parte "
        "recibida dentro de {days} días de registrada.",
        "Cases each institution reports to the registry automatically (FHIR subscription): "
        "completeness is the share of its cases the registry has received; timeliness, the share "
        "received within {days} days of being recorded.",
    ),
    "reg.institution": pair("Institución", "Institution"),
    "reg.cases": pair("Casos", "Cases"),
    "reg.reported": pair("Reportados", "Reported"),
    "reg.completeness": pair("Completitud", "Completeness"),
    "reg.timeliness": pair("Oportunidad", "Timeliness"),
    "reg.median_days": pair("Mediana de días al reporte", "Median days to report"),
    "reg.total": pair("Total", "Total"),
    "reg.none": pair(
        "El registro aún no tiene casos seleccionados (`enlace registry report`).",
        "The registry has no cases selected yet (`enlace registry report`).",
    ),
    "reg.connected": pair("Suscripción", "Subscription"),
    "reg.not_connected": pair(
        "Sin suscripción: el registro no está conectado (`enlace registry connect`).",
        "No subscription: the registry is not connected (`enlace registry connect`).",
    ),
    "reg.other": pair("Otros registros", "Other registries"),
    "reg.bad_input": pair("No existe ese registro.", "There is no such registry."),
}
