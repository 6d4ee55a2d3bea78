"""Red flags decided by one contracting process alone: R003, R018, R028, R030, R035, R036.

Each function takes a compiled release and answers a Flag or None; none of them raises on missing or
mistyped fields (the release simply does not qualify).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

from enlace.modules.procurement.domain import OCID, Flag, RedFlagSettings
from enlace.modules.procurement.ocds import (
    MainCurrency,
    Release,
    active_supplier_ids,
    bid_details,
    bid_prices,
    compares_prices,
    final_active_awards,
    ids_of,
    number,
    parse_datetime,
    submitted_bids,
    tender,
    text,
)

ProcessIndicator = Callable[[Release, str, RedFlagSettings, MainCurrency], Flag | None]


def _method_matches(release: Release, methods: frozenset[str]) -> bool:
    """An empty set of methods matches every process; otherwise the method must be listed."""
    return not methods or text(tender(release).get("procurementMethod")) in methods


def r003_short_submission_period(
    release: Release, ocid: str, settings: RedFlagSettings, _currency: MainCurrency
) -> Flag | None:
    """The submission period (tenderPeriod end - start, in whole days) is under the threshold."""
    if not _method_matches(release, settings.r003_procurement_methods):
        return None
    period = tender(release).get("tenderPeriod")
    period = period if isinstance(period, dict) else {}
    start, end = parse_datetime(period.get("startDate")), parse_datetime(period.get("endDate"))
    if start is None or end is None:
        return None
    days = int((end - start) / timedelta(days=1))  # whole days, truncated toward zero
    details = text(tender(release).get("procurementMethodDetails"))
    threshold = settings.r003_threshold_by_method_details.get(
        details or "", settings.r003_threshold_days
    )
    if days >= threshold:
        return None
    return Flag(
        "R003",
        OCID,
        ocid,
        1.0,
        f"submission period of {days} whole days ({start:%Y-%m-%d} to {end:%Y-%m-%d}) "
        f"is shorter than the threshold of {threshold} days",
        (
            ("submission_days", days),
            ("threshold_days", threshold),
            ("procurement_method", text(tender(release).get("procurementMethod")) or ""),
        ),
    )


def _number_of_tenderers(release: Release) -> tuple[int | None, str]:
    stated = number(tender(release).get("numberOfTenderers"))
    if stated is not None:
        return int(stated), "tender.numberOfTenderers"
    # Not every publisher states the count; the submitted bids show it as well.
    bids = submitted_bids(release)
    if not bids:
        return None, ""
    tenderers = {tid for bid in bids for tid in ids_of(bid.get("tenderers"))}
    return len(tenderers), "tenderers of submitted bids"


def r018_single_bid(
    release: Release, ocid: str, settings: RedFlagSettings, _currency: MainCurrency
) -> Flag | None:
    """Only one tenderer in a competitive (open or selective) procedure."""
    if not _method_matches(release, settings.r018_procurement_methods):
        return None
    count, source = _number_of_tenderers(release)
    if count != 1:
        return None
    method = text(tender(release).get("procurementMethod")) or "any"
    return Flag(
        "R018",
        OCID,
        ocid,
        1.0,
        f"one tenderer ({source}) in a {method} procedure",
        (("number_of_tenderers", 1), ("procurement_method", method)),
    )


def r028_identical_bid_prices(
    release: Release, ocid: str, settings: RedFlagSettings, _currency: MainCurrency
) -> Flag | None:
    """Different tenderers submitted bids with exactly the same price."""
    if not compares_prices(release, settings):
        return None
    by_price: dict[tuple[float, str], set[frozenset[str]]] = defaultdict(set)
    for bid in bid_prices(release):
        if bid.tenderers:
            by_price[(bid.amount, bid.currency)].add(bid.tenderers)
    shared = {price: groups for price, groups in by_price.items() if len(groups) > 1}
    if not shared:
        return None
    (amount, currency), groups = min(shared.items())
    tenderers = tuple(sorted({tid for group in groups for tid in group}))
    return Flag(
        "R028",
        OCID,
        ocid,
        1.0,
        f"{len(tenderers)} tenderers bid the same price {amount:,.2f} {currency}",
        (("amount", amount), ("currency", currency), ("prices_shared", len(shared))),
        tenderers,
    )


def r030_late_bid_won(
    release: Release, ocid: str, _settings: RedFlagSettings, _currency: MainCurrency
) -> Flag | None:
    """A valid bid received after the submission deadline came from a winning supplier."""
    period = tender(release).get("tenderPeriod")
    deadline = parse_datetime(period.get("endDate")) if isinstance(period, dict) else None
    winners = active_supplier_ids(release)
    if deadline is None or not winners:
        return None
    late_winners: set[str] = set()
    latest = deadline
    for bid in bid_details(release):
        received = parse_datetime(bid.get("date"))
        if bid.get("status") != "valid" or received is None or received <= deadline:
            continue
        won = winners.intersection(ids_of(bid.get("tenderers")))
        if won:
            late_winners |= won
            latest = max(latest, received)
    if not late_winners:
        return None
    hours = (latest - deadline) / timedelta(hours=1)
    return Flag(
        "R030",
        OCID,
        ocid,
        1.0,
        f"winning bid received {hours:,.1f} h after the deadline {deadline.isoformat()}",
        (("deadline", deadline.isoformat()), ("received", latest.isoformat())),
        tuple(sorted(late_winners)),
    )


def r035_all_but_winner_disqualified(
    release: Release, ocid: str, settings: RedFlagSettings, _currency: MainCurrency
) -> Flag | None:
    """One tenderer with valid bids, who won every active award; the others were disqualified."""
    active = final_active_awards(release)
    if active is None:
        return None
    winners = {sid for award in active for sid in ids_of(award.get("suppliers"))}
    valid: set[str] = set()
    disqualified: set[str] = set()
    for bid in bid_details(release):
        status = bid.get("status")
        if status == "valid":
            valid.update(ids_of(bid.get("tenderers")))
        elif status == "disqualified":
            disqualified.update(ids_of(bid.get("tenderers")))
    others = disqualified - valid
    threshold = max(settings.r035_threshold, 1)
    if len(valid) != 1 or valid != winners or len(others) < threshold:
        return None
    (winner,) = valid
    return Flag(
        "R035",
        OCID,
        ocid,
        float(len(others)),
        f"all {len(others)} other tenderers were disqualified; the only valid bid, "
        f"from {winner}, won (threshold {threshold})",
        (("disqualified_tenderers", len(others)), ("threshold", threshold)),
        (winner,),
    )


def r036_lowest_bid_disqualified(
    release: Release, ocid: str, settings: RedFlagSettings, currency: MainCurrency
) -> Flag | None:
    """With an active award and a valid priced bid, the lowest submitted bid was disqualified."""
    if not compares_prices(release, settings) or not active_supplier_ids(release):
        return None
    lowest = None
    has_valid = False
    for bid in bid_prices(release):
        if not currency.accepts(bid.currency):
            continue
        if lowest is None or bid.amount < lowest.amount:
            lowest = bid
        has_valid = has_valid or bid.status == "valid"
    if lowest is None or not has_valid or lowest.status != "disqualified":
        return None
    return Flag(
        "R036",
        OCID,
        ocid,
        1.0,
        f"the lowest bid, {lowest.amount:,.2f} {lowest.currency} from "
        f"{', '.join(sorted(lowest.tenderers)) or 'an unnamed tenderer'}, was disqualified",
        (("lowest_amount", lowest.amount), ("currency", lowest.currency)),
        tuple(sorted(lowest.tenderers)),
    )


PROCESS_INDICATORS: dict[str, ProcessIndicator] = {
    "R003": r003_short_submission_period,
    "R018": r018_single_bid,
    "R028": r028_identical_bid_prices,
    "R030": r030_late_bid_won,
    "R035": r035_all_but_winner_disqualified,
    "R036": r036_lowest_bid_disqualified,
}
