"""Cardinal red flags on small hand-built compiled releases, at and around each threshold."""

from __future__ import annotations

from typing import Any

import pytest

from enlace.modules.procurement import Flag, RedFlagSettings, flag_releases
from enlace.modules.procurement.domain import quantile, quartiles


def bid(tenderer: str, status: str = "valid", amount: float | None = None, **extra: Any) -> dict:
    value = {"value": {"amount": amount, "currency": "MXN"}} if amount is not None else {}
    return {"status": status, "tenderers": [{"id": tenderer}], **value, **extra}


def award(supplier: str, status: str = "active", **extra: Any) -> dict:
    return {"status": status, "suppliers": [{"id": supplier}], **extra}


def process(ocid: str = "ocds-x-1", **parts: Any) -> dict:
    release: dict[str, Any] = {"ocid": ocid, "tender": parts.pop("tender", {})}
    if "bids" in parts:
        release["bids"] = {"details": parts.pop("bids")}
    release.update(parts)
    return release


def flags(*releases: dict, code: str, **settings: Any) -> list[Flag]:
    report = flag_releases(releases, RedFlagSettings(**settings), [code])
    return report.flags


def period(start: str, end: str) -> dict:
    return {"tenderPeriod": {"startDate": start, "endDate": end}}


# -- R003 short submission period -------------------------------------------------------------
@pytest.mark.parametrize(
    ("end", "flagged"),
    [
        ("2024-03-16T00:00:00Z", False),  # exactly 15 days: not shorter than 15
        ("2024-03-15T23:59:59Z", True),  # 14 whole days
        ("2024-03-06T00:00:00Z", True),
    ],
)
def test_r003_threshold_of_15_whole_days(end: str, flagged: bool) -> None:
    found = flags(process(tender=period("2024-03-01T00:00:00Z", end)), code="R003")
    assert bool(found) is flagged
    if flagged:
        assert found[0].figures[1] == ("threshold_days", 15)
        assert "shorter than the threshold of 15 days" in found[0].explanation


def test_r003_threshold_per_method_details_and_method_filter() -> None:
    tender = {**period("2024-03-01T00:00:00Z", "2024-03-08T00:00:00Z")}
    tender |= {"procurementMethod": "selective", "procurementMethodDetails": "Invitación"}
    release = process(tender=tender)
    assert flags(release, code="R003", r003_threshold_by_method_details={"Invitación": 7}) == []
    assert flags(release, code="R003", r003_threshold_by_method_details={"Invitación": 8})
    assert flags(release, code="R003", r003_procurement_methods=frozenset({"open"})) == []


def test_r003_needs_both_dates() -> None:
    release = process(tender={"tenderPeriod": {"startDate": "2024-03-01T00:00:00Z"}})
    assert flags(release, code="R003") == []


# -- R018 single bid ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "tenderers", "flagged"),
    [("open", 1, True), ("selective", 1, True), ("open", 2, False), ("direct", 1, False)],
)
def test_r018_single_tenderer_in_competitive_procedure(
    method: str, tenderers: int, flagged: bool
) -> None:
    release = process(tender={"procurementMethod": method, "numberOfTenderers": tenderers})
    assert bool(flags(release, code="R018")) is flagged


def test_r018_counts_bids_when_number_of_tenderers_is_absent() -> None:
    one = process(tender={"procurementMethod": "open"}, bids=[bid("A"), bid("A")])
    two = process("ocds-x-2", tender={"procurementMethod": "open"}, bids=[bid("A"), bid("B")])
    assert [f.key for f in flags(one, two, code="R018")] == ["ocds-x-1"]


# -- R028 identical bid prices ------------------------------------------------------------------
def test_r028_two_tenderers_same_price() -> None:
    found = flags(process(bids=[bid("A", amount=100.0), bid("B", amount=100.0)]), code="R028")
    assert found and found[0].tenderers == ("A", "B")


@pytest.mark.parametrize(
    "bids",
    [
        [bid("A", amount=100.0), bid("B", amount=100.01)],  # one centavo apart
        [bid("A", amount=100.0), bid("A", amount=100.0)],  # the same tenderer twice
        [bid("A", amount=100.0), bid("B", "withdrawn", amount=100.0)],  # not submitted
    ],
)
def test_r028_not_flagged(bids: list[dict]) -> None:
    assert flags(process(bids=bids), code="R028") == []


def test_r028_skips_predetermined_prices() -> None:
    release = process(
        tender={"procurementMethodDetails": "Sorteo"},
        bids=[bid("A", amount=5.0), bid("B", amount=5.0)],
    )
    deny = frozenset({"Sorteo"})
    assert flags(release, code="R028", no_price_comparison_procurement_methods=deny) == []


# -- R030 late bid won --------------------------------------------------------------------------
DEADLINE = {"tenderPeriod": {"endDate": "2024-03-15T12:00:00Z"}}


@pytest.mark.parametrize(
    ("received", "status", "winner", "flagged"),
    [
        ("2024-03-15T12:00:01Z", "valid", "W", True),
        ("2024-03-15T12:00:00Z", "valid", "W", False),  # on the deadline is in time
        ("2024-03-16T00:00:00Z", "valid", "L", False),  # late, but lost
        ("2024-03-16T00:00:00Z", "disqualified", "W", False),
    ],
)
def test_r030_late_winning_bid(received: str, status: str, winner: str, flagged: bool) -> None:
    release = process(
        tender=DEADLINE, bids=[bid("W", status, date=received)], awards=[award(winner)]
    )
    assert bool(flags(release, code="R030")) is flagged


# -- R035 all except winning bid disqualified ---------------------------------------------------
def r035_release(disqualified: int, award_status: str = "active") -> dict:
    bids = [bid("W")] + [bid(f"D{i}", "disqualified") for i in range(disqualified)]
    return process(bids=bids, awards=[award("W", award_status)])


@pytest.mark.parametrize(
    ("disqualified", "threshold", "flagged"),
    [(1, 1, True), (0, 1, False), (1, 2, False), (2, 2, True)],
)
def test_r035_threshold(disqualified: int, threshold: int, flagged: bool) -> None:
    found = flags(r035_release(disqualified), code="R035", r035_threshold=threshold)
    assert bool(found) is flagged
    if flagged:
        assert found[0].value == disqualified and found[0].tenderers == ("W",)


def test_r035_needs_final_awards_and_one_valid_tenderer() -> None:
    assert flags(r035_release(2, award_status="pending"), code="R035") == []
    two_valid = process(bids=[bid("W"), bid("V"), bid("D", "disqualified")], awards=[award("W")])
    assert flags(two_valid, code="R035") == []


# -- R036 lowest bid disqualified ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("bids", "awards", "flagged"),
    [
        ([bid("L", "disqualified", 90.0), bid("W", amount=100.0)], [award("W")], True),
        ([bid("L", "disqualified", 100.01), bid("W", amount=100.0)], [award("W")], False),
        ([bid("L", "disqualified", 90.0), bid("W", amount=100.0)], [], False),
        ([bid("L", "disqualified", 90.0), bid("W")], [award("W")], False),  # no valid amount
    ],
)
def test_r036_lowest_bid_disqualified(bids: list, awards: list, flagged: bool) -> None:
    assert bool(flags(process(bids=bids, awards=awards), code="R036")) is flagged


# -- R024 and R058: second-lowest bid against the winner ----------------------------------------
def priced(ocid: str, winning: float, second: float) -> dict:
    return process(
        ocid, bids=[bid("W", amount=winning), bid("L", amount=second)], awards=[award("W")]
    )


@pytest.mark.parametrize(("second", "flagged"), [(105.0, True), (105.01, False)])
def test_r024_configured_threshold_is_inclusive(second: float, flagged: bool) -> None:
    found = flags(priced("p", 100.0, second), code="R024", r024_threshold=0.05)
    assert bool(found) is flagged
    if flagged:
        assert found[0].tenderers == ("W", "L") and found[0].value == pytest.approx(0.05)


def test_r024_lower_fence_from_the_data() -> None:
    # Differences 1 and 99 x4: Q1 = 66.33, Q3 = 99, lower fence = 17.33 (type 8 quartiles).
    releases = [priced("F", 1.0, 2.0)] + [priced(f"o{i}", 1.0, 100.0) for i in range(4)]
    assert [f.key for f in flags(*releases, code="R024")] == ["F"]


def test_r024_excludes_processes_where_the_lowest_bid_lost() -> None:
    assert flags(priced("p", 100.0, 90.0), code="R024", r024_threshold=1.0) == []


@pytest.mark.parametrize(("second", "flagged"), [(150.0, True), (149.99, False)])
def test_r058_configured_threshold_is_inclusive(second: float, flagged: bool) -> None:
    found = flags(priced("p", 100.0, second), code="R058", r058_threshold=0.5)
    assert bool(found) is flagged


def test_r058_upper_fence_from_the_data() -> None:
    # Differences 99 and 1 x4: Q1 = 1, Q3 = 33.67, upper fence = 82.67.
    releases = [priced("F", 1.0, 100.0)] + [priced(f"o{i}", 1.0, 2.0) for i in range(4)]
    found = flags(*releases, code="R058")
    assert [(f.key, f.value) for f in found] == [("F", 99.0)] and found[0].tenderers == ("W",)


# -- R038 excessive disqualified bids -----------------------------------------------------------
def r038_release(ocid: str, buyer: str, disqualified: int, valid: int) -> dict:
    bids = [bid(f"{ocid}-d{i}", "disqualified") for i in range(disqualified)]
    bids += [bid(f"{ocid}-v{i}") for i in range(valid)]
    return process(ocid, bids=bids, buyer={"id": buyer})


@pytest.mark.parametrize(("disqualified", "flagged"), [(1, True), (0, False)])
def test_r038_buyer_ratio_at_threshold(disqualified: int, flagged: bool) -> None:
    release = r038_release("p", "B", disqualified, 2 - disqualified)
    found = [f for f in flags(release, code="R038", r038_threshold=0.5) if f.group == "Buyer"]
    assert bool(found) is flagged


def test_r038_upper_fence_and_minimum_bids() -> None:
    releases = [r038_release("p0", "B0", 3, 1)]
    releases += [r038_release(f"p{i}", f"B{i}", 0, 2) for i in range(1, 5)]
    releases.append(r038_release("p5", "B5", 1, 0))  # one bid: under the minimum of 2
    buyers = [f.key for f in flags(*releases, code="R038") if f.group == "Buyer"]
    assert buyers == ["B0"]


# -- R048 heterogeneous supplier ----------------------------------------------------------------
def supplied(ocid: str, supplier: str, *codes: str) -> dict:
    items = [{"classification": {"id": code}} for code in codes]
    return process(ocid, awards=[award(supplier, items=items)])


@pytest.mark.parametrize(("codes", "flagged"), [(("10", "11", "12"), True), (("10", "11"), False)])
def test_r048_variety_at_threshold(codes: tuple[str, ...], flagged: bool) -> None:
    releases = [supplied(f"p{i}", "S", f"{code}000000") for i, code in enumerate(codes)]
    found = flags(*releases, code="R048", r048_threshold=3, r048_minimum_contracting_processes=1)
    assert bool(found) is flagged


def test_r048_needs_the_minimum_number_of_processes() -> None:
    releases = [supplied("p", "S", "10000000", "20000000", "30000000")]
    assert flags(*releases, code="R048", r048_threshold=1) == []  # 1 process < 20


# -- shared rules -------------------------------------------------------------------------------
def test_quantiles_are_hyndman_fan_type_8() -> None:
    assert quantile([1.0, 2.0, 3.0, 4.0, 5.0], 0.25) == pytest.approx(5 / 3)
    spread = quartiles([1.0, 2.0, 3.0, 4.0, 5.0])
    assert spread.q3 == pytest.approx(13 / 3)
    assert spread.upper_fence == pytest.approx(13 / 3 + 1.5 * (13 / 3 - 5 / 3))


def test_cancelled_and_ocidless_processes_are_excluded() -> None:
    cancelled = process(tender={"status": "cancelled", "procurementMethod": "open"})
    report = flag_releases([cancelled, {"tender": {}}])
    assert report.flags == [] and sum(report.excluded.values()) == 2
