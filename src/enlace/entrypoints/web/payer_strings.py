"""Strings of the payer dashboard (/payer): Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.payer": pair("Tablero de la aseguradora", "Payer dashboard"),
    "payer.title": pair("Reclamaciones de farmacia", "Pharmacy claims"),
    "payer.intro": pair(
        "Reclamaciones adjudicadas del mes por fecha de servicio: resultado, motivos de "
        "rechazo, lo pagado, costo por afiliado por mes (PMPM) y las alertas de fraude por "
        "farmacia con su explicación.",
        "Claims adjudicated in the month by service date: outcome, refusal reasons, what was "
        "paid, per-member-per-month cost (PMPM) and the fraud flags per pharmacy with their "
        "explanation.",
    ),
    "payer.bad_input": pair(
        "La solicitud no es válida: el mes va como AAAA-MM y la aseguradora debe existir.",
        "The request is not valid: the month is YYYY-MM and the payer must exist.",
    ),
    "payer.no_org": pair(
        "Su cuenta no está ligada a una aseguradora.", "Your account is not linked to a payer."
    ),
    "payer.payer": pair("Aseguradora", "Payer"),
    "payer.all": pair("Todas", "All"),
    "payer.month": pair("Mes", "Month"),
    "payer.show": pair("Mostrar", "Show"),
    "payer.none": pair("Aún no hay reclamaciones.", "No claims yet."),
    "payer.summary": pair("Resumen de {month}", "Summary of {month}"),
    "payer.claims": pair("Reclamaciones", "Claims"),
    "payer.items": pair("Partidas", "Items"),
    "payer.submitted": pair("Monto reclamado", "Amount claimed"),
    "payer.paid": pair("Pagado por la aseguradora", "Paid by the payer"),
    "payer.member_months": pair("Afiliados-mes", "Member-months"),
    "payer.pmpm": pair("Costo por afiliado por mes (PMPM)", "Per member per month (PMPM)"),
    "payer.pmpm_none": pair("sin afiliados vigentes", "no members in force"),
    "payer.by_outcome": pair("Reclamaciones por resultado", "Claims by outcome"),
    "payer.outcome": pair("Resultado", "Outcome"),
    "payer.count": pair("Número", "Count"),
    "payer.by_reason": pair("Partidas rechazadas por motivo", "Refused items by reason"),
    "payer.reason": pair("Motivo", "Reason"),
    "payer.no_refusals": pair("Ninguna partida rechazada.", "No refused items."),
    "payer.flags": pair("Alertas de fraude", "Fraud flags"),
    "payer.flags_window": pair(
        "Sobre las reclamaciones del {first} al {last} (el mes y los dos anteriores).",
        "Over the claims from {first} to {last} (the month and the two before).",
    ),
    "payer.no_flags": pair("Ninguna farmacia destaca.", "No pharmacy stands out."),
    "payer.pharmacy": pair("Farmacia", "Pharmacy"),
    "payer.rule": pair("Regla", "Rule"),
    "payer.explanation": pair("Explicación", "Explanation"),
    "payer.outcome.complete": pair("Aprobada", "Approved"),
    "payer.outcome.partial": pair("Aprobada en parte", "Partly approved"),
    "payer.outcome.error": pair("Rechazada", "Refused"),
    "payer.outcome.queued": pair("En revisión", "Under review"),
    "payer.reason.not-covered": pair("No cubierto por el plan", "Not covered by the plan"),
    "payer.reason.excluded": pair("Excluido por el plan", "Excluded by the plan"),
    "payer.reason.not-in-price-list": pair("Fuera del tabulador", "Not in the price list"),
    "payer.reason.no-policy": pair("Sin póliza", "No policy"),
    "payer.reason.no-coverage-on-date": pair(
        "Sin cobertura en la fecha", "No coverage on the date"
    ),
    "payer.reason.waiting-period": pair("Periodo de espera", "Waiting period"),
    "payer.reason.category-limit": pair("Límite de la categoría", "Category limit"),
    "payer.reason.ceiling": pair("Suma asegurada agotada", "Ceiling reached"),
    "payer.reason.frequency": pair("Frecuencia", "Frequency"),
    "payer.reason.quantity": pair("Cantidad", "Quantity"),
    "payer.reason.out-of-network": pair("Fuera de la red", "Out of network"),
    "payer.reason.visit-maximum": pair("Máximo de visitas", "Visit maximum"),
    "payer.reason.phantom": pair(
        "Sin dispensación registrada (fantasma)", "No recorded dispense (phantom)"
    ),
    "payer.reason.duplicate": pair("Duplicada", "Duplicate"),
    "payer.reason.prior-authorization": pair(
        "Requiere autorización previa", "Prior authorization required"
    ),
    "payer.reason.denied-on-review": pair("Rechazada en revisión", "Denied on review"),
    "payer.rule.zscore": pair("Puntuación z entre pares", "Z-score among peers"),
    "payer.rule.robust-mad": pair("Z robusta (MAD) entre pares", "Robust z (MAD) among peers"),
    "payer.rule.upcoding": pair(
        "Presentación más cara (upcoding)", "Pricier presentation (upcoding)"
    ),
    "payer.rule.impossible-day-capacity": pair(
        "Día imposible: más de lo que un mostrador surte", "Impossible day: beyond a counter"
    ),
    "payer.rule.impossible-day-two-pharmacies": pair(
        "Día imposible: mismo paciente en dos farmacias",
        "Impossible day: patient at two pharmacies",
    ),
    "payer.rule.early-refill": pair("Resurtido anticipado", "Early refill"),
    "payer.rule.isolation-forest": pair("Bosque de aislamiento", "Isolation forest"),
    "payer.rule.benford": pair("Ley de Benford (primer dígito)", "Benford's law (first digit)"),
    "payer.explanation_note": pair(
        "Las explicaciones están en inglés, con las cifras de cada regla.",
        "Explanations give each rule's figures.",
    ),
}
