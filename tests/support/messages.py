"""What tests queue in the messaging outbox: the fields of a refill reminder (the template most
tests send, `refill-reminder`/`dose-reminder` share them)."""

from __future__ import annotations

REMINDER_PARAMS = {
    "sender": "Clínica Enlace",
    "name": "Ana",
    "medicine": "metformina",
    "due": "12/03",
    "pharmacy": "Farmacia Centro",
}
