"""Strings of the alert inbox (/alerts) and the network view (/alerts/network): Spanish (es-MX)
first, English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.alerts": pair("Alertas", "Alerts"),
    "nav.alerts_network": pair("Alertas de la red", "Network alerts"),
    "alerts.title": pair("Alertas de monitoreo remoto", "Remote-monitoring alerts"),
    "alerts.intro": pair(
        "Alertas abiertas de los dispositivos de sus pacientes, primero las más graves y luego "
        "las más antiguas. Cada una muestra las lecturas que la originaron. Confirme que la vio "
        "para detener la escalada; resuélvala anotando lo que hizo.",
        "Open alerts from your patients' devices, most severe first, then oldest. Each shows "
        "the readings behind it. Acknowledge it to stop the escalation; resolve it with a note "
        "of what you did.",
    ),
    "alerts.none": pair("No hay alertas abiertas.", "No open alerts."),
    "alerts.patient": pair("Paciente", "Patient"),
    "alerts.opened": pair("Abierta", "Opened"),
    "alerts.status": pair("Estado", "Status"),
    "alerts.readings": pair("Lecturas", "Readings"),
    "alerts.measure": pair("Medición", "Measurement"),
    "alerts.value": pair("Valor", "Value"),
    "alerts.time": pair("Hora", "Time"),
    "alerts.device": pair("Dispositivo", "Device"),
    "alerts.acknowledge": pair("Enterado", "Acknowledge"),
    "alerts.note": pair("Nota de lo realizado", "Note of what was done"),
    "alerts.resolve": pair("Resolver", "Resolve"),
    "alerts.escalated": pair("Escalada a guardia", "Escalated to on-call"),
    "alerts.referred": pair("Referida a hospital", "Referred to hospital"),
    "alerts.bad_input": pair(
        "La solicitud no es válida: la alerta no existe, ya se resolvió o falta la nota.",
        "The request is not valid: the alert does not exist, is already resolved or the note "
        "is missing.",
    ),
    "alerts.severity.emergency": pair("Emergencia", "Emergency"),
    "alerts.severity.urgent": pair("Urgente", "Urgent"),
    "alerts.severity.warning": pair("Aviso", "Warning"),
    "alerts.severity.info": pair("Información", "Information"),
    "alerts.status.open": pair("Sin atender", "Unacknowledged"),
    "alerts.status.acknowledged": pair("Enterado", "Acknowledged"),
    "alerts.status.resolved": pair("Resuelta", "Resolved"),
    "alerts.rule.bp-crisis": pair("Crisis hipertensiva", "Hypertensive crisis"),
    "alerts.rule.glucose-low": pair("Hipoglucemia", "Hypoglycemia"),
    "alerts.rule.glucose-high": pair("Hiperglucemia", "Hyperglycemia"),
    "alerts.rule.news2": pair("NEWS2 elevado", "Raised NEWS2"),
    "alerts.rule.hf-weight-gain": pair(
        "Aumento de peso (insuficiencia cardiaca)", "Weight gain (heart failure)"
    ),
    "alerts.rule.copd-spo2": pair("SpO2 baja (EPOC)", "Low SpO2 (COPD)"),
    "alerts.rule.no-data": pair("Dispositivo sin datos", "Device not sending data"),
    "alerts.code.85354-9": pair("Presión arterial", "Blood pressure"),
    "alerts.code.8867-4": pair("Frecuencia cardiaca", "Heart rate"),
    "alerts.code.9279-1": pair("Frecuencia respiratoria", "Respiratory rate"),
    "alerts.code.59408-5": pair("Saturación de oxígeno", "Oxygen saturation"),
    "alerts.code.8310-5": pair("Temperatura", "Temperature"),
    "alerts.code.29463-7": pair("Peso", "Body weight"),
    "alerts.code.41653-7": pair("Glucosa capilar", "Capillary glucose"),
    "alerts.code.99504-3": pair("Glucosa (MCG)", "Glucose (CGM)"),
    "alerts.network.title": pair("Carga de alertas en la red", "Alert load across the network"),
    "alerts.network.intro": pair(
        "Alertas abiertas por organización y día (UTC) en los últimos {days} días: cuántas "
        "siguen sin atender, cuántas se confirmaron, el tiempo hasta confirmarlas (mediana y "
        "percentil 90) y cuántas escalaron.",
        "Alerts opened per organization and day (UTC) in the last {days} days: how many are "
        "still unacknowledged, how many were acknowledged, the time to acknowledge (median and "
        "90th percentile) and how many escalated.",
    ),
    "alerts.network.days": pair("Días", "Days"),
    "alerts.network.show": pair("Mostrar", "Show"),
    "alerts.network.organization": pair("Organización", "Organization"),
    "alerts.network.day": pair("Día", "Day"),
    "alerts.network.opened": pair("Abiertas", "Opened"),
    "alerts.network.open": pair("Sin atender", "Unacknowledged"),
    "alerts.network.acknowledged": pair("Confirmadas", "Acknowledged"),
    "alerts.network.median": pair("Mediana hasta confirmar", "Median time to acknowledge"),
    "alerts.network.p90": pair("P90 hasta confirmar", "P90 time to acknowledge"),
    "alerts.network.escalated": pair("Escaladas", "Escalated"),
    "alerts.network.referred": pair("Referidas", "Referred"),
    "alerts.network.none": pair("No hubo alertas en el periodo.", "No alerts in the period."),
    "alerts.network.bad_days": pair(
        "El número de días va de 1 a 90.", "The number of days is 1 to 90."
    ),
}
