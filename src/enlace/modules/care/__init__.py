"""Care coordination (issue 14 parts 1-2; docs/care.md): referrals across levels of care
(ServiceRequest + Task lifecycle, SLA clocks, worklists, counter-referral, indicators),
schedules and appointments with patient self-booking rules, reminders through the messaging
outbox, and teleconsultation. Other layers use these names only."""

from enlace.modules.care import jobs, reminders, scheduling, teleconsult
from enlace.modules.care.referrals import (
    Referral,
    accept,
    complete,
    from_source,
    refer,
    referral,
    reject,
)
from enlace.modules.care.scheduling import Booked, BookingRules, book, cancel, publish
from enlace.modules.care.services import ALERT_SERVICE, SERVICES, offered_by
from enlace.modules.care.sla import (
    DEFAULT_CLOCKS,
    Breach,
    Indicators,
    SlaClocks,
    WorkItem,
    escalate_breached,
    indicators,
    worklist,
)

__all__ = [
    "ALERT_SERVICE",
    "DEFAULT_CLOCKS",
    "SERVICES",
    "Booked",
    "BookingRules",
    "Breach",
    "Indicators",
    "Referral",
    "SlaClocks",
    "WorkItem",
    "accept",
    "book",
    "cancel",
    "complete",
    "escalate_breached",
    "from_source",
    "indicators",
    "jobs",
    "offered_by",
    "publish",
    "refer",
    "referral",
    "reject",
    "reminders",
    "scheduling",
    "teleconsult",
    "worklist",
]
