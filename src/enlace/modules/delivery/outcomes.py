"""What happens after a drop is attempted: confirmed, retried another day, or back to the counter.

Policy (DeliveryPolicy): a failure the patient can fix by being there (nobody home, the van
could not arrive) is retried on the next delivery day with the patient's same window, up to
`max_attempts` attempts in all; after that, and at once when the patient refuses, the packs go
back to the pharmacy for pickup. A wrong address holds the order until the address is
corrected: planning it again would fail the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from enlace.kernel import errors
from enlace.modules.delivery.domain import DeliveryOrder

RETRYABLE = frozenset(("nobody-home", "vehicle-delayed", "access-denied"))
FINAL = frozenset(("refused", "damaged", "cold-chain-breach"))
NEEDS_ADDRESS = frozenset(("wrong-address",))
FAILURE_REASONS = RETRYABLE | FINAL | NEEDS_ADDRESS


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    max_attempts: int = 3
    delivery_weekdays: frozenset[int] = frozenset(range(6))  # Monday=0 .. Saturday=5


@dataclass(frozen=True, slots=True)
class Decision:
    """The next state of an order after an attempt.

    status: delivered | rescheduled | return-to-pharmacy | needs-address
    order: the order to plan again (rescheduled: attempts + 1, earliest date moved), or the
      order as it stands with its attempts counted.
    """

    status: str
    order: DeliveryOrder
    reason: str | None = None


def confirm(order: DeliveryOrder) -> Decision:
    return Decision("delivered", order)


def record_failure(
    order: DeliveryOrder, reason: str, attempted_on: date, policy: DeliveryPolicy | None = None
) -> Decision:
    """The decision after a failed attempt on `attempted_on`; 400 for an unknown reason."""
    policy = policy or DeliveryPolicy()
    if reason not in FAILURE_REASONS:
        known = ", ".join(sorted(FAILURE_REASONS))
        raise errors.bad_request(f"unknown failure reason '{reason}' (one of {known})", "reason")
    counted = replace(order, attempts=order.attempts + 1)
    if reason in NEEDS_ADDRESS:
        return Decision("needs-address", counted, reason)
    if reason in FINAL or counted.attempts >= policy.max_attempts:
        return Decision("return-to-pharmacy", counted, reason)
    retry_on = next_delivery_day(attempted_on, policy)
    return Decision("rescheduled", replace(counted, earliest_date=retry_on), reason)


def next_delivery_day(after: date, policy: DeliveryPolicy) -> date:
    if not policy.delivery_weekdays:
        raise errors.bad_request("the delivery policy has no delivery weekday", "policy")
    day = after + timedelta(days=1)
    while day.weekday() not in policy.delivery_weekdays:
        day += timedelta(days=1)
    return day
