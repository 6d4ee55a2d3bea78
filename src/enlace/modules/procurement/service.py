"""`procurement_report`: every red flag and price comparison of one file or folder, in one pass."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from enlace.modules.procurement.domain import INDICATORS, Flag, RedFlagSettings
from enlace.modules.procurement.ocds import MainCurrency, Release, tender, text
from enlace.modules.procurement.outlier_flags import OutlierIndicators
from enlace.modules.procurement.prices import PriceComparison, ReferencePrices, compare_prices
from enlace.modules.procurement.process_flags import PROCESS_INDICATORS
from enlace.modules.procurement.readers import ProcurementInputError, ReadProblems, read_releases


@dataclass(slots=True)
class Report:
    """What the regulator's page and the CLI show: flags with explanations, prices, data quality."""

    source: str
    indicators: tuple[str, ...]
    releases: int = 0
    excluded: Counter[str] = field(default_factory=Counter)
    problems: ReadProblems = field(default_factory=ReadProblems)
    flags: list[Flag] = field(default_factory=list)
    prices: list[PriceComparison] = field(default_factory=list)
    meta: dict[str, dict[str, float]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counted = Counter(flag.indicator for flag in self.flags)
        return {code: counted.get(code, 0) for code in self.indicators}

    def flagged_ocids(self) -> list[tuple[str, list[Flag]]]:
        """Processes by number of flags raised against them, most first."""
        by_ocid: dict[str, list[Flag]] = {}
        for flag in self.flags:
            if flag.group == "OCID":
                by_ocid.setdefault(flag.key, []).append(flag)
        return sorted(by_ocid.items(), key=lambda pair: (-len(pair[1]), pair[0]))

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "releases": self.releases,
            "excluded": dict(self.excluded),
            "malformed": self.problems.malformed,
            "malformed_examples": self.problems.examples,
            "counts": self.counts(),
            "meta": self.meta,
            "flags": [flag.as_dict() for flag in self.flags],
            "prices": [price.as_dict() for price in self.prices],
        }


def checked_indicators(codes: Sequence[str] | None) -> tuple[str, ...]:
    """The indicators asked for (all when none), refusing unknown codes by name."""
    if not codes:
        return INDICATORS
    wanted = tuple(dict.fromkeys(code.strip().upper() for code in codes))
    unknown = [code for code in wanted if code not in INDICATORS]
    if unknown:
        raise ProcurementInputError(
            f"unknown indicator {', '.join(unknown)}; known: {', '.join(INDICATORS)}"
        )
    return tuple(code for code in INDICATORS if code in wanted)


def exclusion(release: Release, settings: RedFlagSettings) -> str | None:
    """Why Cardinal would leave this process out of every indicator, or None."""
    if not isinstance(release.get("ocid"), str):
        return "ocid is not a string"
    if tender(release).get("status") == "cancelled":
        return "tender cancelled"
    details = text(tender(release).get("procurementMethodDetails"))
    if details is not None and details in settings.excluded_procurement_method_details:
        return "procurement method details excluded by settings"
    return None


def flag_releases(
    releases: Iterable[Release],
    settings: RedFlagSettings | None = None,
    indicators: Sequence[str] | None = None,
    report: Report | None = None,
) -> Report:
    """Run the indicators and the price comparison over releases (any iterable, read once)."""
    settings = settings or RedFlagSettings()
    chosen = checked_indicators(indicators)
    report = report or Report("<releases>", chosen)
    currency = MainCurrency(settings.currency)
    outliers = OutlierIndicators(settings, frozenset(chosen), currency)
    per_process = [PROCESS_INDICATORS[code] for code in chosen if code in PROCESS_INDICATORS]
    prices = ReferencePrices()
    for release in releases:
        report.releases += 1
        reason = exclusion(release, settings)
        if reason is not None:
            report.excluded[reason] += 1
            continue
        ocid = release["ocid"]
        for indicator in per_process:
            flag = indicator(release, ocid, settings, currency)
            if flag is not None:
                report.flags.append(flag)
        outliers.add(release, ocid)
        report.prices += compare_prices(release, ocid, prices, settings.price_ratio_threshold)
    report.flags += outliers.flags()
    report.meta = outliers.meta
    return report


def procurement_report(
    path: Path | str,
    settings: RedFlagSettings | None = None,
    indicators: Sequence[str] | None = None,
) -> Report:
    """Red flags and price comparisons of an OCDS or CompraNet file or folder.

    Raises ProcurementInputError when the input cannot be read at all; malformed rows or lines are
    counted in `report.problems` instead.
    """
    source = Path(path)
    report = Report(str(source), checked_indicators(indicators))
    releases = read_releases(source, report.problems)
    return flag_releases(releases, settings, report.indicators, report)
