"""Disclosure control for de-identified outputs: k-anonymity on quasi-identifiers, small cells.

k-anonymity: every combination of quasi-identifier values that is published (an equivalence
class) must be shared by at least k records, so a person known by those values hides among k.
`enforce_k_anonymity` first generalizes the records of classes below k (for a birth year, its
5-year band) and publishes them only if their generalized class reaches k among generalized
records; the rest are suppressed (dropped). Counting generalized classes among generalized records
only is what keeps the guarantee: a record published with a band is indistinguishable only from
other records published with that band, not from records published with an exact year.

Small cells (CMS practice): in aggregate tables, counts of 1 to 10 are suppressed, and enough other
cells with them that no suppressed count can be recomputed from a row or column total.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SUPPRESSED = "suppressed"  # the value that replaces a suppressed count


@dataclass(frozen=True)
class KAnonymityReport:
    k: int
    records: int
    classes: int  # distinct combinations of quasi-identifier values
    smallest_class: int  # records in the smallest class (0 when there are no records)
    classes_below_k: int
    records_below_k: int  # records held by the classes below k

    @property
    def satisfied(self) -> bool:
        return self.classes_below_k == 0


def report_of(counts: Mapping[Any, int], k: int) -> KAnonymityReport:
    small = [n for n in counts.values() if n < k]
    return KAnonymityReport(
        k=k,
        records=sum(counts.values()),
        classes=len(counts),
        smallest_class=min(counts.values(), default=0),
        classes_below_k=len(small),
        records_below_k=sum(small),
    )


def k_anonymity(
    records: Iterable[Mapping[str, str]], quasi_identifiers: Sequence[str], k: int
) -> KAnonymityReport:
    """How far `records` are from k-anonymity on `quasi_identifiers` (a missing value is "")."""
    _check_k(k)
    counts = Counter(
        tuple(record.get(name, "") for name in quasi_identifiers) for record in records
    )
    return report_of(counts, k)


@dataclass
class Release:
    """What to publish of a tallied population: which records are generalized or suppressed."""

    before: KAnonymityReport  # the classes as first tallied
    after: KAnonymityReport  # the classes as published (exact, generalized), suppressed excluded
    generalized_ids: list[str] = field(default_factory=list)
    suppressed_ids: list[str] = field(default_factory=list)


class QuasiIdentifierTally:
    """Counts classes in one streaming pass, remembering members only of classes still below k.

    A class's members are forgotten once it reaches k, so memory stays below (k - 1) ids per class
    whatever the population: a national export holds counts, not a list of every patient.
    """

    def __init__(self, k: int) -> None:
        _check_k(k)
        self.k = k
        self.counts: Counter[tuple[str, ...]] = Counter()
        self._small: dict[tuple[str, ...], list[str]] = {}

    def add(self, record_id: str, key: tuple[str, ...]) -> None:
        count = self.counts[key] = self.counts[key] + 1
        if count < self.k:
            self._small.setdefault(key, []).append(record_id)
        elif count == self.k:
            del self._small[key]

    def release(
        self, generalize: Callable[[tuple[str, ...]], tuple[str, ...]] | None = None
    ) -> Release:
        """Exact classes of k or more are published as they are; the records of smaller classes
        are generalized when their generalized class (among them) reaches k, else suppressed."""
        published = Counter({key: n for key, n in self.counts.items() if n >= self.k})
        general: dict[tuple[str, ...], list[str]] = {}
        if generalize is not None:
            for key, ids in self._small.items():
                general.setdefault(generalize(key), []).extend(ids)
        else:
            general = {key: list(ids) for key, ids in self._small.items()}
        release = Release(report_of(self.counts, self.k), report_of({}, self.k))
        for key, ids in general.items():
            if len(ids) >= self.k:
                release.generalized_ids.extend(ids)
                published[("generalized", *key)] += len(ids)
            else:
                release.suppressed_ids.extend(ids)
        release.after = report_of(published, self.k)
        return release


@dataclass
class KAnonymityResult:
    records: list[dict[str, str]]  # the published records, generalized values in place
    suppressed: list[dict[str, str]]  # the records withheld, as given
    generalized: int
    before: KAnonymityReport
    after: KAnonymityReport


def enforce_k_anonymity(
    records: Iterable[Mapping[str, str]],
    quasi_identifiers: Sequence[str],
    k: int,
    generalize: Mapping[str, Callable[[str], str]] | None = None,
) -> KAnonymityResult:
    """Records made k-anonymous on `quasi_identifiers`: classes below k are generalized with
    `generalize` (one function per quasi-identifier that has one), then suppressed (dropped) if
    still below k. Without `generalize`, classes below k are suppressed."""
    rows = [dict(record) for record in records]
    tally = QuasiIdentifierTally(k)
    for index, row in enumerate(rows):
        tally.add(str(index), tuple(row.get(name, "") for name in quasi_identifiers))
    functions = [(generalize or {}).get(name) for name in quasi_identifiers]

    def general(key: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(f(v) if f else v for f, v in zip(functions, key, strict=True))

    release = tally.release(general if any(functions) else None)
    for generalized in release.generalized_ids:
        row = rows[int(generalized)]
        for name, function in zip(quasi_identifiers, functions, strict=True):
            if function is not None:
                row[name] = function(row.get(name, ""))
    withheld = {int(index) for index in release.suppressed_ids}
    return KAnonymityResult(
        records=[row for index, row in enumerate(rows) if index not in withheld],
        suppressed=[row for index, row in enumerate(rows) if index in withheld],
        generalized=len(release.generalized_ids),
        before=release.before,
        after=release.after,
    )


@dataclass
class CellSuppression:
    rows: list[dict[str, Any]]  # the table, suppressed counts replaced by SUPPRESSED
    primary: int  # cells of 1 to threshold - 1
    complementary: int  # larger cells suppressed so the small ones cannot be recomputed
    unprotected_lines: int  # lines whose suppressed cells cannot be hidden (see below)


def suppress_small_cells(
    table: Iterable[Mapping[str, Any]], threshold: int = 11, *, count: str = "count"
) -> CellSuppression:
    """Counts from 1 to threshold - 1 suppressed, with complementary suppression.

    The table is rows of group values plus a `count`. A line is the cells that differ in one
    group column only (a row or a column of the cross-tabulation), whose total a reader may know.
    In every line holding a suppressed cell, the smallest other non-zero cells are suppressed too
    until the line holds at least two suppressed cells summing to `threshold` or more, so neither
    a margin nor the sum of the suppressed cells gives a small count away; repeated until no line
    changes, since a complementary cell can open a new line. Zero counts are published (CMS
    practice). A line that runs out of non-zero cells before it is safe (a lone cell, or small
    cells only) is counted in `unprotected_lines`: its total must not be published.
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    rows = [dict(row) for row in table]
    counts = [_count_of(row, count) for row in rows]
    suppressed = {i for i, n in enumerate(counts) if 0 < n < threshold}
    primary = len(suppressed)
    lines = _lines(rows, count)
    unprotected: set[int] = set()
    changed = True
    while changed:
        changed = False
        for number, line in enumerate(lines):
            added, safe = _protect(line, counts, suppressed, threshold)
            if not safe:
                unprotected.add(number)
            changed = changed or added > 0
    for index in suppressed:
        rows[index][count] = SUPPRESSED
    return CellSuppression(rows, primary, len(suppressed) - primary, len(unprotected))


def _protect(
    line: list[int], counts: list[int], suppressed: set[int], threshold: int
) -> tuple[int, bool]:
    """Suppress the smallest other cells of `line` until it is safe: (cells added, whether safe)."""
    hidden = [i for i in line if i in suppressed]
    if not hidden:
        return 0, True
    added = 0
    total = sum(counts[i] for i in hidden)
    while len(hidden) < 2 or total < threshold:
        candidates = [i for i in line if i not in suppressed and counts[i] > 0]
        if not candidates:
            return added, False
        smallest = min(candidates, key=lambda i: (counts[i], i))
        suppressed.add(smallest)
        hidden.append(smallest)
        total += counts[smallest]
        added += 1
    return added, True


def _lines(rows: list[dict[str, Any]], count: str) -> list[list[int]]:
    columns = list(dict.fromkeys(name for row in rows for name in row if name != count))
    lines: list[list[int]] = []
    for varying in columns:
        fixed = [name for name in columns if name != varying]
        groups: dict[tuple[Any, ...], list[int]] = {}
        for index, row in enumerate(rows):
            groups.setdefault(tuple(row.get(name) for name in fixed), []).append(index)
        lines.extend(groups.values())
    if not columns and rows:
        lines.append(list(range(len(rows))))
    return lines


def _count_of(row: Mapping[str, Any], count: str) -> int:
    value = row.get(count)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"'{count}' must be a non-negative integer in every row, got {value!r}")
    return value


def _check_k(k: int) -> None:
    if not isinstance(k, int) or k < 1:
        raise ValueError("k must be a positive integer")
