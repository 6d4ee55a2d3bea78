"""Strings of the payer dashboard (/payer): Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog


def _pair(es: str, en: str) -> dict[str, str]:
    return {"es-MX": es, "en": en}


STRINGS: Catalog = {
    "nav.payer": _pair("Tablero de la aseguradora", "Payer dashboard"),
    "payer.title": _pair("Reclamaciones de farmacia", "Pharmacy claims"),
    "payer.intro": _pair(
        "Reclamaciones adjudicadas del mes por fecha de servicio: resultado, motivos de "
        "rechazo, lo pagado, costo por afiliado por mes (PMPM) y las alertas de fraude por "
        "farmacia con su explicación.",
        "Claims adjudicated in the month by service date: outcome, refusal reasons, what was "
        "paid, per-member-per-month cost (PMPM) and the fraud flags per pharmacy with their "
        "explanation.",
    ),
    "payer.bad_input": _pair(
        "La solicitud no es válida: el mes va como AAAA-MM y la aseguradora debe existir.",
        "The request is not valid: the month is YYYY-MM and the payer must exist.",
    ),
    "payer.no_org": _pair(
        "Su cuenta no está ligada a una aseguradora.", "Your account is not linked to a payer."
    ),
    "payer.payer": _pair("Aseguradora", "Payer"),
    "payer.all": _pair("Todas", "All"),
    "payer.month": _pair("Mes", "Month"),
    "payer.show": _pair("Mostrar", "Show"),
    "payer.none": _pair("Aún no hay reclamaciones.", "No claims yet."),
    "payer.summary": _pair("Resumen de {month}", "Summary of {month}"),
    "payer.claims": _pair("Reclamaciones", "Claims"),
    "payer.items": _pair("Partidas", "Items"),
    "payer.submitted": _pair("Monto reclamado", "Amount claimed"),
    "payer.paid": _pair("Pagado por la aseguradora", "Paid by the payer"),
    "payer.member_months": _pair("Afiliados-mes", "Member-months"),
    "payer.pmpm": _pair("Costo por afiliado por mes (PMPM)", "Per member per month (PMPM)"),
    "payer.pmpm_none": _pair("sin afiliados vigentes", "no members in force"),
    "payer.by_outcome": _pair("Reclamaciones por resultado", "Claims by outcome"),
    "payer.outcome": _pair("Resultado", "Outcome"),
    "payer.count": _pair("Número", "Count"),
    "payer.by_reason": _pair("Partidas rechazadas por motivo", "Refused items by reason"),
    "payer.reason": _pair("Motivo", "Reason"),
    "payer.no_refusals": _pair("Ninguna partida rechazada.", "No refused items."),
    "payer.flags": _pair("Alertas de fraude", "Fraud flags"),
    "payer.flags_window": _pair(
        "Sobre las reclamaciones del {first} al {last} (el mes y los dos anteriores).",
        "Over the claims from {first} to {last} (the month and the two before).",
    ),
    "payer.no_flags": _pair("Ninguna farmacia destaca.", "No pharmacy stands out."),
    "payer.pharmacy": _pair("Farmacia", "Pharmacy"),
    "payer.rule": _pair("Regla", "Rule"),
    "payer.explanation": _pair("Explicación", "Explanation"),
    "payer.outcome.complete": _pair("Aprobada", "Approved"),
    "payer.outcome.partial": _pair("Aprobada en parte", "Partly approved"),
    "payer.outcome.error": _pair("Rechazada", "Refused"),
    "payer.outcome.queued": _pair("En revisión", "Under review"),
    "payer.reason.not-covered": _pair("No cubierto por el plan", "Not covered by the plan"),
    "payer.reason.excluded": _pair("Excluido por el plan", "Excluded by the plan"),
    "payer.reason.not-in-price-list": _pair("Fuera del tabulador", "Not in the price list"),
    "payer.reason.no-policy": _pair("Sin póliza", "No policy"),
    "payer.reason.no-coverage-on-date": _pair(
        "Sin cobertura en la fecha", "No coverage on the date"
    ),
    "payer.reason.waiting-period": _pair("Periodo de espera", "Waiting period"),
    "payer.reason.category-limit": _pair("Límite de la categoría", "Category limit"),
    "payer.reason.ceiling": _pair("Suma asegurada agotada", "Ceiling reached"),
    "payer.reason.frequency": _pair("Frecuencia", "Frequency"),
    "payer.reason.quantity": _pair("Cantidad", "Quantity"),
    "payer.reason.out-of-network": _pair("Fuera de la red", "Out of network"),
    "payer.reason.visit-maximum": _pair("Máximo de visitas", "Visit maximum"),
    "payer.reason.phantom": _pair(
        "Sin dispensación registrada (fantasma)", "No recorded dispense (phantom)"
    ),
    "payer.reason.duplicate": _pair("Duplicada", "Duplicate"),
    "payer.reason.prior-authorization": _pair(
        "Requiere autorización previa", "Prior authorization required"
    ),
    "payer.reason.denied-on-review": _pair("Rechazada en revisión", "Denied on review"),
    "payer.rule.zscore": _pair("Puntuación z entre pares", "Z-score among peers"),
    "payer.rule.robust-mad": _pair("Z robusta (MAD) entre pares", "Robust z (MAD) among peers"),
    "payer.rule.upcoding": _pair(
        "Presentación más cara (upcoding)", "Pricier presentation (upcoding)"
    ),
    "payer.rule.impossible-day-capacity": _pair(
        "Día imposible: más de lo que un mostrador surte", "Impossible day: beyond a counter"
    ),
    "payer.rule.impossible-day-two-pharmacies": _pair(
        "Día imposible: mismo paciente en dos farmacias",
        "Impossible day: patient at two pharmacies",
    ),
    "payer.rule.early-refill": _pair("Resurtido anticipado", "Early refill"),
    "payer.rule.isolation-forest": _pair("Bosque de aislamiento", "Isolation forest"),
    "payer.rule.benford": _pair("Ley de Benford (primer dígito)", "Benford's law (first digit)"),
    "payer.explanation_note": _pair(
        "Las explicaciones están en inglés, con las cifras de cada regla.",
        "Explanations give each rule's figures.",
    ),
}
