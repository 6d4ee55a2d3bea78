"""Strings of the money pages (my explanations of benefits, my wallet, pharmacy receivables):
Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog


def _pair(es: str, en: str) -> dict[str, str]:
    return {"es-MX": es, "en": en}


STRINGS: Catalog = {
    "nav.my_claims": _pair("Mis reclamaciones", "My claims"),
    "nav.my_wallet": _pair("Mi monedero", "My wallet"),
    "nav.receivables": _pair("Cuentas por cobrar", "Receivables"),
    "money.bad_input": _pair(
        "La solicitud no es válida; revise el enlace.", "The request is not valid; check the link."
    ),
    "money.bad_cursor": _pair("El enlace de página no es válido.", "The page link is not valid."),
    "money.bad_pharmacy": _pair(
        "La clave de farmacia no es válida.", "The pharmacy key is not valid."
    ),
    "money.whose": _pair("Paciente", "Patient"),
    "money.show": _pair("Mostrar", "Show"),
    "money.previous": _pair("Anteriores", "Newer"),
    "money.next": _pair("Siguientes", "Older"),
    "money.page": _pair("Página {page}", "Page {page}"),
    "money.pages": _pair("Páginas", "Pages"),
    "money.first_page": _pair("Más recientes", "Newest"),
    # Explanations of benefits
    "eob.title": _pair("Mis explicaciones de beneficios", "My explanations of benefits"),
    "eob.intro": _pair(
        "Lo que su farmacia reclamó a su seguro por sus medicamentos, lo que pagó el seguro y lo "
        "que le toca pagar a usted.",
        "What your pharmacy claimed from your insurer for your medicines, what the insurer paid "
        "and what you pay.",
    ),
    "eob.caption": _pair(
        "Reclamaciones, de la más reciente a la más antigua",
        "Claims, newest first",
    ),
    "eob.date": _pair("Fecha", "Date"),
    "eob.pharmacy": _pair("Farmacia", "Pharmacy"),
    "eob.medicine": _pair("Medicamento", "Medicine"),
    "eob.claimed": _pair("Reclamado", "Claimed"),
    "eob.plan_paid": _pair("Pagó su seguro", "Plan paid"),
    "eob.you_pay": _pair("Paga usted", "You pay"),
    "eob.outcome": _pair("Resultado", "Outcome"),
    "eob.pack": _pair("Empaque", "Pack"),
    "eob.verify": _pair("Verificar empaque", "Verify pack"),
    "eob.none": _pair("Aún no hay reclamaciones a su nombre.", "No claims in your name yet."),
    "eob.count": _pair("{total} reclamaciones", "{total} claims"),
    "eob.year": _pair("Totales de {year}", "Totals for {year}"),
    "eob.year_plan": _pair("Pagado por su seguro", "Paid by your plan"),
    "eob.year_you": _pair("Pagado por usted", "Paid by you"),
    "eob.year_claims": _pair("Reclamaciones en el año", "Claims this year"),
    "eob.year_partial": _pair(
        "Se sumaron las primeras {count} reclamaciones del año.",
        "The first {count} claims of the year were added up.",
    ),
    "eob.outcome.complete": _pair("Aprobada", "Approved"),
    "eob.outcome.partial": _pair("Aprobada en parte", "Partly approved"),
    "eob.outcome.error": _pair("Rechazada", "Refused"),
    "eob.outcome.queued": _pair("En revisión", "Under review"),
    "eob.reason.not-covered": _pair(
        "El medicamento no está cubierto por su plan", "The medicine is not covered by your plan"
    ),
    "eob.reason.excluded": _pair("Su plan excluye este medicamento", "Your plan excludes it"),
    "eob.reason.not-in-price-list": _pair(
        "No está en la lista de precios", "Not in the price list"
    ),
    "eob.reason.no-policy": _pair("No hay una póliza vigente", "No policy in force"),
    "eob.reason.no-coverage-on-date": _pair(
        "Sin cobertura en esa fecha", "No coverage on that date"
    ),
    "eob.reason.waiting-period": _pair("Periodo de espera", "Waiting period"),
    "eob.reason.category-limit": _pair(
        "Se alcanzó el límite de la categoría", "The category limit was reached"
    ),
    "eob.reason.ceiling": _pair("Se alcanzó la suma asegurada", "The overall limit was reached"),
    "eob.reason.frequency": _pair("Surtido antes de tiempo", "Filled too often"),
    "eob.reason.quantity": _pair("Cantidad mayor a la permitida", "More than the allowed quantity"),
    "eob.reason.out-of-network": _pair("Farmacia fuera de la red", "Pharmacy out of network"),
    "eob.reason.visit-maximum": _pair("Máximo de visitas", "Visit maximum"),
    "eob.reason.phantom": _pair(
        "No hay registro de que el empaque se le haya entregado",
        "No record that the pack was handed to you",
    ),
    "eob.reason.duplicate": _pair("Reclamación repetida", "Duplicate claim"),
    "eob.reason.prior-authorization": _pair(
        "Requiere autorización previa y no se citó una vigente",
        "Needs prior authorization and none valid was cited",
    ),
    "eob.reason.denied-on-review": _pair("Rechazada al revisarla", "Denied on review"),
    # Wallet
    "wallet.title": _pair("Mi monedero familiar", "My family wallet"),
    "wallet.none": _pair(
        "No forma parte de ningún monedero familiar de salud.",
        "You are not a member of any family health wallet.",
    ),
    "wallet.which": _pair("Monedero {id}", "Wallet {id}"),
    "wallet.balance": _pair("Saldo del monedero", "Wallet balance"),
    "wallet.available": _pair("Disponible para gastar", "Available to spend"),
    "wallet.cap": _pair("Su límite mensual", "Your monthly cap"),
    "wallet.spent": _pair("Gastado en {period}", "Spent in {period}"),
    "wallet.left": _pair("Le queda este mes", "Left this month"),
    "wallet.caption": _pair(
        "Sus movimientos, del más reciente al más antiguo", "Your entries, newest first"
    ),
    "wallet.kind": _pair("Movimiento", "Entry"),
    "wallet.amount": _pair("Importe", "Amount"),
    "wallet.status": _pair("Estado", "Status"),
    "wallet.reference": _pair("Referencia", "Reference"),
    "wallet.entries_none": _pair("Aún no hay movimientos.", "No entries yet."),
    "wallet.kind.deposit": _pair("Depósito", "Deposit"),
    "wallet.kind.charge": _pair("Cargo", "Charge"),
    "wallet.status.posted": _pair("Aplicado", "Posted"),
    "wallet.status.pending": _pair("Apartado", "On hold"),
    "wallet.status.voided": _pair("Cancelado", "Voided"),
    "wallet.status.expired": _pair("Vencido", "Expired"),
    # Receivables
    "recv.title": _pair("Cuentas por cobrar de la farmacia", "Pharmacy receivables"),
    "recv.choose": _pair("Farmacia", "Pharmacy"),
    "recv.choose_prompt": _pair(
        "Elija una farmacia para ver lo que se le debe.",
        "Choose a pharmacy to see what it is owed.",
    ),
    "recv.no_pharmacies": _pair(
        "Ninguna farmacia tiene cuentas por cobrar todavía.", "No pharmacy has receivables yet."
    ),
    "recv.caption": _pair(
        "Saldos por deudor y antigüedad (días desde el registro)",
        "Balances by debtor and age (days since recorded)",
    ),
    "recv.debtor": _pair("Deudor", "Owed by"),
    "recv.balance": _pair("Saldo", "Balance"),
    "recv.copays": _pair("Copagos de pacientes", "Patients' copays"),
    "recv.total": _pair("Total", "Total"),
    "recv.none": _pair(
        "Esta farmacia no tiene cuentas por cobrar.", "This pharmacy has no receivables."
    ),
    "recv.movements": _pair("Movimientos de {debtor}", "Movements of {debtor}"),
    "recv.movements_caption": _pair(
        "Movimientos, del más reciente al más antiguo", "Movements, newest first"
    ),
    "recv.when": _pair("Fecha", "Date"),
    "recv.description": _pair("Concepto", "Description"),
    "recv.reference": _pair("Referencia", "Reference"),
    "recv.amount": _pair("Importe", "Amount"),
    "recv.older": _pair("Movimientos anteriores", "Older movements"),
    "recv.all_accounts": _pair("Volver a todos los saldos", "Back to all balances"),
}
