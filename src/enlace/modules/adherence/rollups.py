"""Measures rolled up by any grouping (pure; docs/adherence.md, "Measures").

The caller says how to group (clinic, pharmacy, payer, state...) with a key function of a
`TherapyMeasures`; a therapy whose key is None is left out. Each group reports its therapies,
how many have a computable PDC, mean and median PDC, the share adherent (PDC at or above the
therapy's threshold, among those with a PDC), the share discontinued (among all), and a PDC
histogram of 10 bins of 0.1 (the last one closed: PDC 1.0 is in it). Groups of fewer than
`SUPPRESS_BELOW` therapies are flagged `suppressed`: a page or an export shows the group
without its figures (small cells re-identify patients).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from enlace.modules.adherence.measures import TherapyMeasures

SUPPRESS_BELOW = 11
BINS = 10
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Rollup:
    key: object
    therapies: int
    with_pdc: int  # therapies whose PDC is computable (the adherence denominator)
    adherent: int
    discontinued: int
    mean_pdc: float | None
    median_pdc: float | None
    histogram: tuple[int, ...]  # BINS counts: [0, .1), [.1, .2), ... [.9, 1.0]
    suppressed: bool

    @property
    def share_adherent(self) -> float | None:
        return self.adherent / self.with_pdc if self.with_pdc else None

    @property
    def share_discontinued(self) -> float | None:
        return self.discontinued / self.therapies if self.therapies else None


def rollup(
    measures: Iterable[TherapyMeasures], key: Callable[[TherapyMeasures], K | None]
) -> dict[K, Rollup]:
    """One Rollup per key, in key order when the keys can be sorted."""
    groups: dict[K, list[TherapyMeasures]] = defaultdict(list)
    for measure in measures:
        group = key(measure)
        if group is not None:
            groups[group].append(measure)
    try:
        ordered = sorted(groups)  # type: ignore[type-var]
    except TypeError:
        ordered = list(groups)
    return {group: summarize(groups[group], group) for group in ordered}


def summarize(measures: Iterable[TherapyMeasures], key: object = None) -> Rollup:
    """One group's figures (also the whole population's: `summarize(all_measures)`)."""
    members = list(measures)
    pdcs = [m.pdc for m in members if m.pdc is not None]
    return Rollup(
        key=key,
        therapies=len(members),
        with_pdc=len(pdcs),
        adherent=sum(1 for m in members if m.adherent),
        discontinued=sum(1 for m in members if m.discontinued),
        mean_pdc=statistics.fmean(pdcs) if pdcs else None,
        median_pdc=statistics.median(pdcs) if pdcs else None,
        histogram=histogram(pdcs),
        suppressed=len(members) < SUPPRESS_BELOW,
    )


def histogram(pdcs: Iterable[float]) -> tuple[int, ...]:
    counts = [0] * BINS
    for pdc in pdcs:
        counts[min(BINS - 1, max(0, int(pdc * BINS + 1e-9)))] += 1
    return tuple(counts)
