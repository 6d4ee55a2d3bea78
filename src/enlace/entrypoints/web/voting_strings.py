"""Strings of the voting pages: Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.votes": pair("Votaciones", "Votes"),
    "votes.title": pair("Votaciones de la cooperativa", "Cooperative votes"),
    "votes.none": pair("No hay votaciones.", "No votes yet."),
    "votes.state.draft": pair("borrador", "draft"),
    "votes.state.open": pair("abierta", "open"),
    "votes.state.closed": pair("cerrada", "closed"),
    "votes.discussion": pair("Discusión", "Discussion"),
    "votes.cast": pair("Emitir mi voto", "Cast my vote"),
    "votes.voted": pair("Ya votaste en esta votación.", "You have already voted on this."),
    "votes.not_on_roll": pair(
        "No estás en el padrón de esta votación.", "You are not on the roll of this vote."
    ),
    "votes.rank_hint": pair(
        "Numera las opciones en tu orden de preferencia (1 = primera); deja vacías las demás.",
        "Number the options in your order of preference (1 = first); leave the rest empty.",
    ),
    "votes.score_hint": pair("Califica cada opción de 0 a 5.", "Score each option 0 to 5."),
    "votes.receipt_title": pair("Tu comprobante de voto", "Your ballot receipt"),
    "votes.receipt_keep": pair(
        "Guarda este comprobante: solo se muestra ahora y nadie más lo tiene. Con él y tu "
        "elección puedes comprobar, al cerrar la votación, que tu voto fue contado.",
        "Keep this receipt: it is shown only now and nobody else has it. With it and your choice "
        "you can check, once the vote closes, that your ballot was counted.",
    ),
    "votes.result": pair("Resultado", "Result"),
    "votes.decision": pair("Decisión", "Decision"),
    "votes.void": pair("Sin quórum: la decisión es nula.", "Quorum not met: the decision is void."),
    "votes.turnout": pair("Participación", "Turnout"),
    "votes.proof": pair("Prueba del conteo", "Tally proof"),
    "votes.root": pair("Raíz Merkle de las boletas", "Ballot Merkle root"),
    "votes.commitments": pair("Compromisos de los comprobantes", "Receipt commitments"),
    "votes.verify": pair("Verificar mi comprobante", "Verify my receipt"),
    "votes.receipt": pair("Comprobante", "Receipt"),
    "votes.choice_json": pair("Mi elección (como la emití)", "My choice (as cast)"),
    "votes.counted": pair("Tu voto está en la urna contada.", "Your ballot is in the counted box."),
    "votes.not_counted": pair(
        "No hay ninguna boleta con ese comprobante y esa elección.",
        "No ballot with that receipt and that choice.",
    ),
    "votes.tally_ok": pair("El conteo verifica.", "The tally verifies."),
    "votes.tally_bad": pair("El conteo NO verifica:", "The tally does NOT verify:"),
    "votes.bad_input": pair("La boleta no es válida.", "The ballot is not valid."),
    "votes.comment": pair("Comentar", "Comment"),
    "votes.minutes_pdf": pair("Acta en PDF", "Minutes as PDF"),
    "votes.assembly": pair("Asamblea", "Assembly"),
    "votes.minutes_ok": pair(
        "Acta firmada; la firma verifica.", "Signed minutes; signature verifies."
    ),
    "votes.minutes_bad": pair(
        "La firma del acta NO verifica.", "The minutes' signature does NOT verify."
    ),
}
