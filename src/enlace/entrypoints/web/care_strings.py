"""Strings of the care pages (/care/...): Spanish (es-MX) first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.care_receiving": pair("Referencias recibidas", "Referrals received"),
    "nav.care_sending": pair("Referencias enviadas", "Referrals sent"),
    "nav.care_day": pair("Mis citas del día", "My appointments today"),
    "nav.care_book": pair("Agendar cita", "Book an appointment"),
    "care.bad_input": pair(
        "No se pudo: la referencia o la cita no está en un estado que lo permita, o faltan datos.",
        "Not possible: the referral or appointment is not in a state that allows it, or data "
        "is missing.",
    ),
    "care.no_org": pair(
        "Tu usuario no pertenece a una unidad médica.", "Your user belongs to no facility."
    ),
    "care.receiving.title": pair("Referencias recibidas", "Referrals received"),
    "care.sending.title": pair("Referencias enviadas", "Referrals sent"),
    "care.none": pair("No hay referencias.", "No referrals."),
    "care.patient": pair("Paciente", "Patient"),
    "care.service": pair("Servicio", "Service"),
    "care.urgency": pair("Prioridad", "Priority"),
    "care.state": pair("Estado", "Status"),
    "care.due": pair("Plazo", "Due"),
    "care.breached": pair("Plazo vencido", "Overdue"),
    "care.from": pair("Envía", "From"),
    "care.to": pair("Recibe", "To"),
    "care.appointment": pair("Cita", "Appointment"),
    "care.counter": pair("Contrarreferencia", "Counter-referral"),
    "care.accept": pair("Aceptar", "Accept"),
    "care.reject": pair("Rechazar", "Reject"),
    "care.reason": pair("Motivo", "Reason"),
    "care.complete": pair("Cerrar con contrarreferencia", "Close with counter-referral"),
    "care.summary": pair("Resumen clínico", "Clinical summary"),
    "care.follow_up": pair("Indicaciones para la clínica", "Follow-up for the clinic"),
    "care.status.requested": pair("Solicitada", "Requested"),
    "care.status.accepted": pair("Aceptada", "Accepted"),
    "care.status.rejected": pair("Rechazada", "Rejected"),
    "care.status.scheduled": pair("Con cita", "Scheduled"),
    "care.status.completed": pair("Cerrada", "Completed"),
    "care.indicators": pair("Indicadores", "Indicators"),
    "care.ind.days": pair("Mediana de días a la cita", "Median days to appointment"),
    "care.ind.closed": pair("Cerradas con contrarreferencia", "Closed with counter-referral"),
    "care.day.title": pair("Mis citas del día", "My appointments today"),
    "care.day.none": pair("No hay citas este día.", "No appointments this day."),
    "care.time": pair("Hora", "Time"),
    "care.mode": pair("Modalidad", "Mode"),
    "care.mode.in-person": pair("Presencial", "In person"),
    "care.mode.virtual": pair("Teleconsulta", "Video"),
    "care.book.title": pair("Agendar cita", "Book an appointment"),
    "care.book.none": pair("No hay horarios libres.", "No free times."),
    "care.book.action": pair("Agendar", "Book"),
    "care.book.done": pair("Tu cita quedó agendada.", "Your appointment is booked."),
    "care.mine": pair("Mis citas", "My appointments"),
    "care.cancel": pair("Cancelar", "Cancel"),
}
