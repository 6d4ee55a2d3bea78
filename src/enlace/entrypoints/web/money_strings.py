"""Strings of the money pages (my explanations of benefits, my wallet, pharmacy receivables):
Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.my_claims": pair("Mis reclamaciones", "My claims"),
    "nav.my_wallet": pair("Mi monedero", "My wallet"),
    "nav.receivables": pair("Cuentas por cobrar", "Receivables"),
    "money.bad_input": pair(
        "La solicitud no es válida; revise el enlace.", "The request is not valid; check the link."
    ),
    "money.bad_cursor": pair("El enlace de página no es válido.", "The page link is not valid."),
    "money.bad_pharmacy": pair(
        "La clave de farmacia no es válida.", "The pharmacy key is not valid."
    ),
    "money.whose": pair("Paciente", "Patient"),
    "money.show": pair("Mostrar", "Show"),
    "money.previous": pair("Anteriores", "Newer"),
    "money.next": pair("Siguientes", "Older"),
    "money.page": pair("Página {page}", "Page {page}"),
    "money.pages": pair("Páginas", "Pages"),
    "money.first_page": pair("Más recientes", "Newest"),
    # Explanations of benefits
    "eob.title": pair("Mis explicaciones de beneficios", "My explanations of benefits"),
    "eob.intro": pair(
        "Lo que su farmacia reclamó a su seguro por sus medicamentos, lo que pagó el seguro y lo "
        "que le toca pagar a usted.",
        "What your pharmacy claimed from your insurer for your medicines, what the insurer paid "
        "and what you pay.",
    ),
    "eob.caption": pair(
        "Reclamaciones, de la más reciente a la más antigua",
        "Claims, newest first",
    ),
    "eob.date": pair("Fecha", "Date"),
    "eob.pharmacy": pair("Farmacia", "Pharmacy"),
    "eob.medicine": pair("Medicamento", "Medicine"),
    "eob.claimed": pair("Reclamado", "Claimed"),
    "eob.plan_paid": pair("Pagó su seguro", "Plan paid"),
    "eob.you_pay": pair("Paga usted", "You pay"),
    "eob.outcome": pair("Resultado", "Outcome"),
    "eob.pack": pair("Empaque", "Pack"),
    "eob.verify": pair("Verificar empaque", "Verify pack"),
    "eob.none": pair("Aún no hay reclamaciones a su nombre.", "No claims in your name yet."),
    "eob.count": pair("{total} reclamaciones", "{total} claims"),
    "eob.year": pair("Totales de {year}", "Totals for {year}"),
    "eob.year_plan": pair("Pagado por su seguro", "Paid by your plan"),
    "eob.year_you": pair("Pagado por usted", "Paid by you"),
    "eob.year_claims": pair("Reclamaciones en el año", "Claims this year"),
    "eob.year_partial": pair(
        "Se sumaron las primeras {count} reclamaciones del año.",
        "The first {count} claims of the year were added up.",
    ),
    "eob.outcome.complete": pair("Aprobada", "Approved"),
    "eob.outcome.partial": pair("Aprobada en parte", "Partly approved"),
    "eob.outcome.error": pair("Rechazada", "Refused"),
    "eob.outcome.queued": pair("En revisión", "Under review"),
    "eob.reason.not-covered": pair(
        "El medicamento no está cubierto por su plan", "The medicine is not covered by your plan"
    ),
    "eob.reason.excluded": pair("Su plan excluye este medicamento", "Your plan excludes it"),
    "eob.reason.not-in-price-list": pair("No está en la lista de precios", "Not in the price list"),
    "eob.reason.no-policy": pair("No hay una póliza vigente", "No policy in force"),
    "eob.reason.no-coverage-on-date": pair(
        "Sin cobertura en esa fecha", "No coverage on that date"
    ),
    "eob.reason.waiting-period": pair("Periodo de espera", "Waiting period"),
    "eob.reason.category-limit": pair(
        "Se alcanzó el límite de la categoría", "The category limit was reached"
    ),
    "eob.reason.ceiling": pair("Se alcanzó la suma asegurada", "The overall limit was reached"),
    "eob.reason.frequency": pair("Surtido antes de tiempo", "Filled too often"),
    "eob.reason.quantity": pair("Cantidad mayor a la permitida", "More than the allowed quantity"),
    "eob.reason.out-of-network": pair("Farmacia fuera de la red", "Pharmacy out of network"),
    "eob.reason.visit-maximum": pair("Máximo de visitas", "Visit maximum"),
    "eob.reason.phantom": pair(
        "No hay registro de que el empaque se le haya entregado",
        "No record that the pack was handed to you",
    ),
    "eob.reason.duplicate": pair("Reclamación repetida", "Duplicate claim"),
    "eob.reason.prior-authorization": pair(
        "Requiere autorización previa y no se citó una vigente",
        "Needs prior authorization and none valid was cited",
    ),
    "eob.reason.denied-on-review": pair("Rechazada al revisarla", "Denied on review"),
    # Wallet
    "wallet.title": pair("Mi monedero familiar", "My family wallet"),
    "wallet.none": pair(
        "No forma parte de ningún monedero familiar de salud.",
        "You are not a member of any family health wallet.",
    ),
    "wallet.which": pair("Monedero {id}", "Wallet {id}"),
    "wallet.balance": pair("Saldo del monedero", "Wallet balance"),
    "wallet.available": pair("Disponible para gastar", "Available to spend"),
    "wallet.cap": pair("Su límite mensual", "Your monthly cap"),
    "wallet.spent": pair("Gastado en {period}", "Spent in {period}"),
    "wallet.left": pair("Le queda este mes", "Left this month"),
    "wallet.caption": pair(
        "Sus movimientos, del más reciente al más antiguo", "Your entries, newest first"
    ),
    "wallet.kind": pair("Movimiento", "Entry"),
    "wallet.amount": pair("Importe", "Amount"),
    "wallet.status": pair("Estado", "Status"),
    "wallet.reference": pair("Referencia", "Reference"),
    "wallet.entries_none": pair("Aún no hay movimientos.", "No entries yet."),
    "wallet.kind.deposit": pair("Depósito", "Deposit"),
    "wallet.kind.charge": pair("Cargo", "Charge"),
    "wallet.status.posted": pair("Aplicado", "Posted"),
    "wallet.status.pending": pair("Apartado", "On hold"),
    "wallet.status.voided": pair("Cancelado", "Voided"),
    "wallet.status.expired": pair("Vencido", "Expired"),
    # Receivables
    "recv.title": pair("Cuentas por cobrar de la farmacia", "Pharmacy receivables"),
    "recv.choose": pair("Farmacia", "Pharmacy"),
    "recv.choose_prompt": pair(
        "Elija una farmacia para ver lo que se le debe.",
        "Choose a pharmacy to see what it is owed.",
    ),
    "recv.no_pharmacies": pair(
        "Ninguna farmacia tiene cuentas por cobrar todavía.", "No pharmacy has receivables yet."
    ),
    "recv.caption": pair(
        "Saldos por deudor y antigüedad (días desde el registro)",
        "Balances by debtor and age (days since recorded)",
    ),
    "recv.debtor": pair("Deudor", "Owed by"),
    "recv.balance": pair("Saldo", "Balance"),
    "recv.copays": pair("Copagos de pacientes", "Patients' copays"),
    "recv.total": pair("Total", "Total"),
    "recv.none": pair(
        "Esta farmacia no tiene cuentas por cobrar.", "This pharmacy has no receivables."
    ),
    "recv.movements": pair("Movimientos de {debtor}", "Movements of {debtor}"),
    "recv.movements_caption": pair(
        "Movimientos, del más reciente al más antiguo", "Movements, newest first"
    ),
    "recv.when": pair("Fecha", "Date"),
    "recv.description": pair("Concepto", "Description"),
    "recv.reference": pair("Referencia", "Reference"),
    "recv.amount": pair("Importe", "Amount"),
    "recv.older": pair("Movimientos anteriores", "Older movements"),
    "recv.all_accounts": pair("Volver a todos los saldos", "Back to all balances"),
}
