"""Strings of the decision-support review on the prescription form: Spanish (es-MX) first,
English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "rx.cds.title": pair("Alertas antes de firmar", "Alerts before signing"),
    "rx.cds.unavailable": pair(
        "El apoyo a la decisión clínica no pudo revisar esta receta",
        "Clinical decision support could not check this prescription",
    ),
    "rx.cds.clear": pair("Sin alertas para esta receta.", "No alerts for this prescription."),
    "rx.cds.info": pair("Información", "Information"),
    "rx.cds.warning": pair("Advertencia", "Warning"),
    "rx.cds.critical": pair("Crítico", "Critical"),
    "rx.cds.source": pair("Fuente", "Source"),
    "rx.cds.apply": pair("Aplicar", "Apply"),
    "rx.cds.sign": pair("Firmar de todos modos", "Sign anyway"),
}
