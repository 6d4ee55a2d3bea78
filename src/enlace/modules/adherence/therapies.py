"""Fills grouped into therapies (pure; docs/adherence.md, "Measures").

`assemble` turns a patient population's fills into one `Therapy` per (patient, therapy key):
fills sorted by day, re-sent dispenses dropped, fills dated after `as_of` or after the patient's
death set aside (each kept with its reason on `Therapy.dropped`, so a job can report them),
days' supply that is missing, zero or beyond a year imputed and flagged, and every change of
medication inside the therapy recorded as a `Switch` (a switch within class is not abandonment).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from enlace.modules.adherence.domain import (
    DEFAULT_DAYS_SUPPLY,
    MAX_DAYS_SUPPLY,
    AdherenceSettings,
    Fill,
    Interruption,
)

DUPLICATE = "duplicate"  # same dispense id, or same patient+medication+day+quantity (re-sent)
FUTURE = "future"  # dated after as_of
AFTER_DEATH = "after-death"  # dated after the patient's death


@dataclass(frozen=True, slots=True)
class DroppedFill:
    fill: Fill
    reason: str  # DUPLICATE, FUTURE or AFTER_DEATH


@dataclass(frozen=True, slots=True)
class Switch:
    """The medication changed inside one therapy (e.g. metformin 500 -> 850, enalapril ->
    lisinopril): the first fill of the new medication."""

    day: date
    from_medication: str
    to_medication: str


@dataclass(frozen=True, slots=True)
class Therapy:
    patient: str
    therapy: str  # therapy key (domain.therapy_key)
    fills: tuple[Fill, ...]  # kept fills, by day then dispense id
    interruptions: tuple[Interruption, ...] = ()  # the patient's, merged and sorted
    death: date | None = None
    switches: tuple[Switch, ...] = ()
    dropped: tuple[DroppedFill, ...] = ()

    @property
    def first_fill(self) -> date | None:
        return self.fills[0].day if self.fills else None

    @property
    def last_fill(self) -> date | None:
        return self.fills[-1].day if self.fills else None

    @property
    def switched(self) -> bool:
        return bool(self.switches)

    @property
    def imputed_supply(self) -> bool:
        return any(fill.imputed_supply for fill in self.fills)


def assemble(
    fills: Iterable[Fill],
    *,
    as_of: date | None = None,
    interruptions: Iterable[Interruption] = (),
    deaths: Mapping[str, date] | None = None,
    settings: AdherenceSettings | None = None,
) -> list[Therapy]:
    """One Therapy per (patient, therapy key), ordered by patient then key.

    A therapy whose fills were all dropped is still returned (with no fills) so that what was
    dropped is reported. `settings` is accepted for symmetry with the measures; grouping itself
    needs none of it.
    """
    del settings
    deaths = deaths or {}
    stays = _interruptions_by_patient(interruptions)
    groups: dict[tuple[str, str], list[Fill]] = defaultdict(list)
    for fill in fills:
        if not 0 < fill.days_supply <= MAX_DAYS_SUPPLY:
            fill = _imputed(fill)
        groups[(fill.patient, fill.therapy)].append(fill)
    seen_ids: set[str] = set()
    therapies = []
    for (patient, key), group in sorted(groups.items()):
        group.sort(key=lambda f: (f.day, f.dispense_id))
        kept, dropped = _screen(group, seen_ids, as_of, deaths.get(patient))
        therapies.append(
            Therapy(
                patient=patient,
                therapy=key,
                fills=tuple(kept),
                interruptions=stays.get(patient, ()),
                death=deaths.get(patient),
                switches=_switches(kept),
                dropped=tuple(dropped),
            )
        )
    return therapies


def _imputed(fill: Fill) -> Fill:
    """Days' supply missing (0), negative or beyond a year is imputed: a dispense happened, its
    length is unknown."""
    return replace(fill, days_supply=DEFAULT_DAYS_SUPPLY, imputed_supply=True)


def _screen(
    group: list[Fill], seen_ids: set[str], as_of: date | None, death: date | None
) -> tuple[list[Fill], list[DroppedFill]]:
    kept: list[Fill] = []
    dropped: list[DroppedFill] = []
    seen_content: set[tuple[object, ...]] = set()
    for fill in group:
        content: tuple[object, ...] = (fill.medication, fill.day, fill.quantity)
        if fill.quantity is None:  # no quantity: the same days' supply marks the re-send
            content = (fill.medication, fill.day, None, fill.days_supply)
        if fill.dispense_id in seen_ids or content in seen_content:
            dropped.append(DroppedFill(fill, DUPLICATE))
            continue
        seen_ids.add(fill.dispense_id)
        seen_content.add(content)
        if as_of is not None and fill.day > as_of:
            dropped.append(DroppedFill(fill, FUTURE))
        elif death is not None and fill.day > death:
            dropped.append(DroppedFill(fill, AFTER_DEATH))
        else:
            kept.append(fill)
    return kept, dropped


def _switches(fills: list[Fill]) -> tuple[Switch, ...]:
    """A medication not among those of the previous fill day starts a switch (two strengths
    dispensed the same day are taken together, not a switch)."""
    if len({fill.medication for fill in fills}) < 2:
        return ()
    days: dict[date, list[str]] = {}
    for fill in fills:
        days.setdefault(fill.day, []).append(fill.medication)
    switches = []
    previous: list[str] = []
    for day, medications in days.items():
        for medication in dict.fromkeys(medications):
            if previous and medication not in previous:
                switches.append(Switch(day, previous[0], medication))
        previous = medications
    return tuple(switches)


def _interruptions_by_patient(
    interruptions: Iterable[Interruption],
) -> dict[str, tuple[Interruption, ...]]:
    """Each patient's stays sorted, overlapping or touching ones merged, reversed ones dropped."""
    by_patient: dict[str, list[Interruption]] = defaultdict(list)
    for stay in interruptions:
        if stay.end >= stay.start:
            by_patient[stay.patient].append(stay)
    merged: dict[str, tuple[Interruption, ...]] = {}
    for patient, stays in by_patient.items():
        stays.sort(key=lambda s: s.start)
        out = [stays[0]]
        for stay in stays[1:]:
            last = out[-1]
            if stay.start.toordinal() <= last.end.toordinal() + 1:
                out[-1] = replace(last, end=max(last.end, stay.end))
            else:
                out.append(stay)
        merged[patient] = tuple(out)
    return merged
