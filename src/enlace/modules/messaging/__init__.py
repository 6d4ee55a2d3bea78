"""Messaging (issue 11 part 3; issue 16 extends it): patient messages with express per-channel
consent, quiet hours and frequency caps, queued in the causing transaction (outbox) and
delivered after commit through pluggable adapters; each sent message is a FHIR Communication.

Public API (docs/messaging.md): `enqueue` / `enqueue_many` + `MessageRequest` (inside your transaction),
`deliver` / `deliver_due` (after commit), `set_preference`, `grant`, `withdraw`,
`delivered_between`, `status_counts`, the `Adapter` protocol and its `FileAdapter` /
`ConsoleAdapter`, `TEMPLATES` and `render`.
"""

from __future__ import annotations

from enlace.modules.messaging.adapters import (
    Adapter,
    ConsoleAdapter,
    FileAdapter,
    OutgoingMessage,
    default_adapter,
)
from enlace.modules.messaging.consent import (
    consent_of,
    grant,
    preference_of,
    set_preference,
    withdraw,
)
from enlace.modules.messaging.domain import CHANNELS, DEFAULT_POLICY, Policy
from enlace.modules.messaging.lag import outbox_lag_us
from enlace.modules.messaging.outbox import DeliveryReport, deliver
from enlace.modules.messaging.queueing import (
    MessageRequest,
    Queued,
    enqueue,
    enqueue_many,
    message_id,
)
from enlace.modules.messaging.service import (
    Sent,
    adapters_named,
    deliver_due,
    delivered_between,
    start_deliverer,
    status_counts,
)
from enlace.modules.messaging.templates import TEMPLATES, render

__all__ = [
    "CHANNELS",
    "DEFAULT_POLICY",
    "TEMPLATES",
    "Adapter",
    "ConsoleAdapter",
    "DeliveryReport",
    "FileAdapter",
    "MessageRequest",
    "OutgoingMessage",
    "Policy",
    "Queued",
    "Sent",
    "adapters_named",
    "consent_of",
    "default_adapter",
    "deliver",
    "deliver_due",
    "delivered_between",
    "enqueue",
    "enqueue_many",
    "grant",
    "message_id",
    "outbox_lag_us",
    "preference_of",
    "render",
    "set_preference",
    "start_deliverer",
    "status_counts",
    "withdraw",
]
