"""Strings of the council's vote and assembly forms: Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.council_votes": pair("Consejo: votaciones", "Council: votes"),
    "nav.assemblies": pair("Asambleas", "Assemblies"),
    "council.votes_title": pair("Consejo: votaciones", "Council: votes"),
    "council.new_vote": pair("Nueva votación", "New vote"),
    "council.id": pair("Clave (minúsculas, números y guiones)", "Key (lowercase, digits, dashes)"),
    "council.title": pair("Título", "Title"),
    "council.kind": pair("Tipo", "Kind"),
    "council.kind.proposal": pair(
        "Propuesta (a favor / abstención / en contra / bloqueo)",
        "Proposal (agree / abstain / disagree / block)",
    ),
    "council.kind.single": pair("Una opción", "Single choice"),
    "council.kind.multiple": pair("Varias opciones", "Multiple choice"),
    "council.kind.ranked": pair("Preferencial (segunda vuelta instantánea)", "Ranked (IRV)"),
    "council.kind.score": pair("Puntaje (0 a 5)", "Score (0 to 5)"),
    "council.options": pair(
        "Opciones, una por línea (no se usan en una propuesta)",
        "Options, one a line (not used by a proposal)",
    ),
    "council.body": pair("Texto de la propuesta", "Proposal text"),
    "council.quorum": pair("Quórum (% del padrón que debe votar)", "Quorum (% of the roll)"),
    "council.min_share": pair(
        "Mayoría requerida (% de a favor entre a favor y en contra)",
        "Majority needed (% agree of agree + disagree)",
    ),
    "council.proxy_limit": pair("Poderes por persona (máximo)", "Proxies per person (most)"),
    "council.create": pair("Crear borrador", "Create draft"),
    "council.open": pair("Abrir votación", "Open the vote"),
    "council.close": pair("Cerrar y sellar el conteo", "Close and seal the tally"),
    "council.turnout": pair("Votaron", "Voted"),
    "council.state": pair("Estado", "State"),
    "council.none": pair("Nada todavía.", "Nothing yet."),
    "council.problems": pair(
        "No se guardó nada. Corrige lo señalado:", "Nothing was saved. Correct what is marked:"
    ),
    "council.refused": pair(
        "No se guardó nada; la cooperativa lo rechazó:", "Nothing was saved; it was refused:"
    ),
    "council.bad_id": pair(
        "La clave lleva de 1 a 64 minúsculas, números o guiones.",
        "The key is 1 to 64 lowercase letters, digits or dashes.",
    ),
    "council.need_title": pair("Falta el título.", "The title is missing."),
    "council.need_place": pair("Falta el lugar.", "The place is missing."),
    "council.bad_kind": pair("Elige un tipo de votación.", "Choose a kind of vote."),
    "council.need_options": pair(
        "Escribe de 2 a 30 opciones, una por línea.", "Write 2 to 30 options, one a line."
    ),
    "council.bad_options": pair(
        "Las opciones deben ser distintas y de hasta 120 caracteres.",
        "Options must be distinct and at most 120 characters.",
    ),
    "council.bad_percent": pair(
        "Escribe un porcentaje entero de 0 a 100.", "Write a whole percentage from 0 to 100."
    ),
    "council.bad_proxy_limit": pair(
        "Escribe un número entero de 0 a 99.", "Write a whole number from 0 to 99."
    ),
    "council.assemblies_title": pair("Asambleas generales", "General assemblies"),
    "council.convene": pair("Convocar asamblea", "Convene an assembly"),
    "council.assembly_kind": pair("Tipo de asamblea", "Kind of assembly"),
    "council.assembly.ordinary": pair("Ordinaria", "Ordinary"),
    "council.assembly.extraordinary": pair("Extraordinaria", "Extraordinary"),
    "council.bad_assembly_kind": pair(
        "Elige asamblea ordinaria o extraordinaria.", "Choose ordinary or extraordinary."
    ),
    "council.place": pair("Lugar", "Place"),
    "council.convened": pair("Fecha de la convocatoria", "Date of the convocation"),
    "council.held": pair("Fecha y hora de la asamblea (UTC)", "Date and time held (UTC)"),
    "council.notice_days": pair("Días de anticipación mínimos", "Least days of notice"),
    "council.bad_notice_days": pair(
        "Escribe de 1 a 99 días de anticipación.", "Write 1 to 99 days of notice."
    ),
    "council.bad_date": pair("Escribe una fecha (AAAA-MM-DD).", "Write a date (YYYY-MM-DD)."),
    "council.bad_datetime": pair(
        "Escribe fecha y hora (AAAA-MM-DDTHH:MM).", "Write a date and time (YYYY-MM-DDTHH:MM)."
    ),
    "council.agenda": pair(
        "Orden del día: un punto por línea; «Texto = clave-de-votación» si se vota en él",
        "Agenda: one item a line; “Text = vote-key” if a vote is taken under it",
    ),
    "council.bad_agenda": pair(
        "El orden del día lleva de 1 a 30 puntos; tras «=» va la clave de una votación.",
        "The agenda has 1 to 30 items; after “=” comes a vote's key.",
    ),
    "council.assembly": pair("Asamblea", "Assembly"),
    "council.attendance": pair("Asistencia", "Attendance"),
    "council.present": pair("Presentes o representados", "Present or represented"),
    "council.quorum_needed": pair("Quórum requerido", "Quorum needed"),
    "council.member": pair("Clave de socio", "Member key"),
    "council.represented_by": pair(
        "Representado por (clave de socio, si vota por poder)",
        "Represented by (member key, if by proxy)",
    ),
    "council.in_person": pair("en persona", "in person"),
    "council.record": pair("Registrar asistencia", "Record attendance"),
    "council.minutes": pair("Generar y firmar el acta", "Generate and sign the minutes"),
    "council.manage": pair("Asistencia y acta", "Attendance and minutes"),
    "council.minutes_link": pair("Acta", "Minutes"),
    "council.state.convened": pair("convocada", "convened"),
    "council.state.closed": pair("celebrada, acta firmada", "held, minutes signed"),
}
