"""Red flags that compare a process or organization with all the others: R024, R038, R048, R058.

`OutlierIndicators.add` folds one release into small per-process and per-organization tallies (the
releases themselves are not kept), and `flags` turns the tallies into flags once the whole data set
has been seen, because the fences are quartiles of the data set.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from enlace.modules.procurement.domain import (
    BUYER,
    OCID,
    PROCURING_ENTITY,
    TENDERER,
    Flag,
    Quartiles,
    RedFlagSettings,
    quartiles,
    rounded,
)
from enlace.modules.procurement.ocds import (
    MainCurrency,
    Release,
    active_awards,
    bid_prices,
    compares_prices,
    final_active_awards,
    ids_of,
    obj,
    submitted_bids,
    tender,
    text,
)

_R038_GROUPS = (BUYER, PROCURING_ENTITY, TENDERER)


@dataclass(frozen=True, slots=True)
class SecondBid:
    """The winning bid against the lowest losing valid bid of one process."""

    ratio: float  # (second lowest - winning) / winning
    winner: str
    second: str
    winning_amount: float
    second_amount: float


def second_lowest_bid(
    release: Release, settings: RedFlagSettings, currency: MainCurrency
) -> SecondBid | None:
    """Only where one active award went to one supplier, and the winner bid lowest (price only)."""
    active = final_active_awards(release)
    if not compares_prices(release, settings) or active is None or len(active) != 1:
        return None
    suppliers = ids_of(active[0].get("suppliers"))
    if len(suppliers) != 1 or len(array_of(active[0].get("suppliers"))) != 1:
        return None
    winner_amount: float | None = None
    second: tuple[float, str] | None = None
    for bid in bid_prices(release):
        if bid.status != "valid" or len(bid.tenderers) != 1 or not currency.accepts(bid.currency):
            continue
        (tenderer,) = bid.tenderers
        if tenderer == suppliers[0]:
            winner_amount = bid.amount if winner_amount is None else min(winner_amount, bid.amount)
        elif second is None or bid.amount < second[0]:
            second = (bid.amount, tenderer)
    if winner_amount is None or second is None or winner_amount <= 0:
        return None
    if second[0] < winner_amount:
        return None  # the lowest bid lost: the award criteria were not price only
    ratio = (second[0] - winner_amount) / winner_amount
    return SecondBid(ratio, suppliers[0], second[1], winner_amount, second[0])


def array_of(value: object) -> list[object]:
    return value if isinstance(value, list) else []


@dataclass(slots=True)
class _Tally:
    disqualified: int = 0
    submitted: int = 0


@dataclass(slots=True)
class _Variety:
    processes: int = 0
    codes: set[str] = field(default_factory=set)


@dataclass(slots=True)
class OutlierIndicators:
    settings: RedFlagSettings
    enabled: frozenset[str]
    currency: MainCurrency
    second_bids: dict[str, SecondBid] = field(default_factory=dict)
    disqualified: dict[str, dict[str, _Tally]] = field(
        default_factory=lambda: {group: defaultdict(_Tally) for group in _R038_GROUPS}
    )
    varieties: dict[str, _Variety] = field(default_factory=dict)
    meta: dict[str, dict[str, float]] = field(default_factory=dict)

    def add(self, release: Release, ocid: str) -> None:
        if self.enabled & {"R024", "R058"}:
            second = second_lowest_bid(release, self.settings, self.currency)
            if second is not None:
                self.second_bids[ocid] = second
        if "R038" in self.enabled:
            self._add_disqualifications(release)
        if "R048" in self.enabled:
            self._add_classifications(release)

    def _add_disqualifications(self, release: Release) -> None:
        bids = submitted_bids(release)
        if not bids:
            return
        count = sum(1 for bid in bids if bid.get("status") == "disqualified")
        for bid in bids:
            for tenderer in ids_of(bid.get("tenderers")):
                tally = self.disqualified[TENDERER][tenderer]
                tally.disqualified += bid.get("status") == "disqualified"
                tally.submitted += 1
        owners = {
            BUYER: text(obj(release.get("buyer")).get("id")),
            PROCURING_ENTITY: text(obj(tender(release).get("procuringEntity")).get("id")),
        }
        for group, owner in owners.items():
            if owner is not None:
                self.disqualified[group][owner].disqualified += count
                self.disqualified[group][owner].submitted += len(bids)

    def _add_classifications(self, release: Release) -> None:
        digits = self.settings.r048_digits
        counted: set[str] = set()  # a supplier's process counts once, however many awards
        for award in active_awards(release):
            suppliers = array_of(award.get("suppliers"))
            supplier = text(obj(suppliers[0]).get("id")) if len(suppliers) == 1 else None
            if supplier is None:
                continue  # awards to several suppliers are excluded
            for item in array_of(award.get("items")):
                code = text(obj(obj(item).get("classification")).get("id"))
                if code is None:
                    continue
                variety = self.varieties.setdefault(supplier, _Variety())
                if supplier not in counted:
                    counted.add(supplier)
                    variety.processes += 1
                variety.codes.add(code[:digits])

    def flags(self) -> list[Flag]:
        found: list[Flag] = []
        if "R024" in self.enabled:
            found += self._r024()
        if "R058" in self.enabled:
            found += self._r058()
        if "R038" in self.enabled:
            found += self._r038()
        if "R048" in self.enabled:
            found += self._r048()
        return found

    def _record(self, indicator: str, spread: Quartiles | None, **fences: float) -> None:
        figures = {"q1": spread.q1, "q3": spread.q3} if spread is not None else {}
        self.meta[indicator] = {k: rounded(v) for k, v in {**figures, **fences}.items()}

    def _r024(self) -> list[Flag]:
        ratios = [second.ratio for second in self.second_bids.values()]
        if not ratios:
            return []
        fence, spread = _fence(self.settings.r024_threshold, ratios, upper=False)
        self._record("R024", spread, lower_fence=fence)
        # With Q1 at 0 every difference is "low": the fence would flag three quarters of the data.
        if (spread is not None and spread.q1 <= 0) or fence <= 0:
            return []
        return [
            _second_bid_flag("R024", ocid, second, fence, "at or below the lower")
            for ocid, second in self.second_bids.items()
            if second.ratio <= fence
        ]

    def _r058(self) -> list[Flag]:
        ratios = [second.ratio for second in self.second_bids.values()]
        if not ratios:
            return []
        fence, spread = _fence(self.settings.r058_threshold, ratios, upper=True)
        self._record("R058", spread, upper_fence=fence)
        if fence <= 0:
            return []
        return [
            _second_bid_flag("R058", ocid, second, fence, "at or above the upper")
            for ocid, second in self.second_bids.items()
            if second.ratio >= fence
        ]

    def _r038(self) -> list[Flag]:
        found: list[Flag] = []
        for group, tallies in self.disqualified.items():
            minimum = (
                self.settings.r038_minimum_submitted_bids
                if group == TENDERER
                else self.settings.r038_minimum_contracting_processes
            )
            # Cardinal compares the minimum with the bids counted, as its own demonstration shows.
            ratios = {
                key: (t.disqualified / t.submitted, t)
                for key, t in tallies.items()
                if t.submitted >= minimum
            }
            if not ratios:
                continue
            values = [ratio for ratio, _ in ratios.values()]
            fence, spread = _fence(self.settings.r038_threshold, values, upper=True)
            self._record(f"R038.{group}", spread, upper_fence=fence)
            if fence <= 0:
                continue
            found += [
                _disqualification_flag(group, key, ratio, tally, fence)
                for key, (ratio, tally) in ratios.items()
                if ratio >= fence
            ]
        return found

    def _r048(self) -> list[Flag]:
        minimum = self.settings.r048_minimum_contracting_processes
        varieties = {
            supplier: (len(variety.codes), variety.processes)
            for supplier, variety in self.varieties.items()
            if variety.processes >= minimum
        }
        if not varieties:
            return []
        values = [float(variety) for variety, _ in varieties.values()]
        fence, spread = _fence(self.settings.r048_threshold, values, upper=True)
        self._record("R048", spread, upper_fence=fence)
        return [
            Flag(
                "R048",
                TENDERER,
                supplier,
                float(variety),
                f"items in {variety} distinct classification groups across {processes} "
                f"processes, at or above the upper fence {fence:.4g}",
                (("variety", variety), ("processes", processes), ("upper_fence", rounded(fence))),
            )
            for supplier, (variety, processes) in varieties.items()
            if variety >= fence
        ]


def _fence(
    configured: float | None, values: list[float], upper: bool
) -> tuple[float, Quartiles | None]:
    """A configured threshold, else the Tukey fence (Q1 - 1.5 IQR or Q3 + 1.5 IQR) of the values."""
    if configured is not None:
        return float(configured), None
    spread = quartiles(values)
    return (spread.upper_fence if upper else spread.lower_fence), spread


def _second_bid_flag(indicator: str, ocid: str, second: SecondBid, fence: float, side: str) -> Flag:
    tenderers = (second.winner, second.second) if indicator == "R024" else (second.winner,)
    return Flag(
        indicator,
        OCID,
        ocid,
        rounded(second.ratio, 6),
        f"second-lowest valid bid {second.second_amount:,.2f} is {second.ratio:.2%} above the "
        f"winning bid {second.winning_amount:,.2f}, {side} fence {fence:.2%}",
        (
            ("winning_amount", second.winning_amount),
            ("second_amount", second.second_amount),
            ("difference", rounded(second.ratio, 6)),
            ("fence", rounded(fence, 6)),
        ),
        tenderers,
    )


def _disqualification_flag(group: str, key: str, ratio: float, tally: _Tally, fence: float) -> Flag:
    return Flag(
        "R038",
        group,
        key,
        rounded(ratio, 6),
        f"{tally.disqualified} of {tally.submitted} submitted bids disqualified ({ratio:.0%}), "
        f"at or above the upper fence {fence:.0%}",
        (
            ("disqualified", tally.disqualified),
            ("submitted", tally.submitted),
            ("upper_fence", rounded(fence, 6)),
        ),
    )
