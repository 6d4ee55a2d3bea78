"""Reading the parts of an OCDS compiled release that the indicators need, defensively.

Releases come from files we do not control: any field may be missing or of the wrong JSON type, so
every accessor answers an empty value instead of raising.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from enlace.modules.procurement.domain import RedFlagSettings

Release = dict[str, Any]

# Cardinal's "submitted" bid: pending (not evaluated yet), valid or disqualified; not invited/withdrawn.
NOT_SUBMITTED = frozenset({"invited", "withdrawn"})


def obj(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def array(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def number(value: object) -> float | None:
    # bool is an int in Python, never an amount in OCDS.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def tender(release: Release) -> dict[str, Any]:
    return obj(release.get("tender"))


def bid_details(release: Release) -> list[dict[str, Any]]:
    return [obj(bid) for bid in array(obj(release.get("bids")).get("details"))]


def submitted_bids(release: Release) -> list[dict[str, Any]]:
    return [
        bid
        for bid in bid_details(release)
        if (status := text(bid.get("status"))) is not None and status not in NOT_SUBMITTED
    ]


def ids_of(organizations: object) -> list[str]:
    """The ids of a list of organization references, skipping references without a string id."""
    return [oid for org in array(organizations) if (oid := text(obj(org).get("id"))) is not None]


def awards(release: Release) -> list[dict[str, Any]]:
    return [obj(award) for award in array(release.get("awards"))]


def active_awards(release: Release) -> list[dict[str, Any]]:
    return [award for award in awards(release) if award.get("status") == "active"]


def final_active_awards(release: Release) -> list[dict[str, Any]] | None:
    """The active awards, or None while an award is pending (results would not be stable yet)."""
    if "awards" not in release or not isinstance(obj(release.get("bids")).get("details"), list):
        return None
    active = []
    for award in awards(release):
        status = text(award.get("status"))
        if status == "active":
            active.append(award)
        elif status is not None and status not in ("cancelled", "unsuccessful"):
            return None
    return active


def active_supplier_ids(release: Release) -> set[str]:
    return {sid for award in active_awards(release) for sid in ids_of(award.get("suppliers"))}


@dataclass(frozen=True, slots=True)
class BidPrice:
    status: str
    tenderers: frozenset[str]
    amount: float
    currency: str


def bid_prices(release: Release) -> Iterator[BidPrice]:
    """Submitted bids that state an amount and a currency."""
    for bid in submitted_bids(release):
        value = obj(bid.get("value"))
        amount, currency = number(value.get("amount")), text(value.get("currency"))
        if amount is not None and currency is not None:
            yield BidPrice(
                str(bid["status"]), frozenset(ids_of(bid.get("tenderers"))), amount, currency
            )


def compares_prices(release: Release, settings: RedFlagSettings) -> bool:
    """Whether bid prices may be compared: not where the buyer predetermines the price."""
    details = text(tender(release).get("procurementMethodDetails"))
    allowed = settings.price_comparison_procurement_methods
    if details is None:
        return not allowed  # an allow list needs the field; a deny list does not
    if allowed:
        return details in allowed
    return details not in settings.no_price_comparison_procurement_methods


def parse_datetime(value: object) -> datetime | None:
    """An OCDS date-time (RFC 3339); a value without an offset is read as UTC."""
    raw = text(value)
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class MainCurrency:
    """Cardinal compares amounts only in one currency: the configured one, else the first seen."""

    def __init__(self, configured: str | None) -> None:
        self.code = configured

    def accepts(self, currency: str) -> bool:
        if self.code is None:
            self.code = currency
        return currency == self.code
