"""therapies.assemble on bad input: duplicates, future and after-death fills, missing or absurd
days' supply, switches within class, overlapping hospital stays."""

from __future__ import annotations

from datetime import date

from enlace.modules.adherence.domain import DEFAULT_DAYS_SUPPLY, Fill, Interruption
from enlace.modules.adherence.measures import measure
from enlace.modules.adherence.therapies import (
    AFTER_DEATH,
    DUPLICATE,
    FUTURE,
    Switch,
    assemble,
)

JAN1, JAN31, MAR2 = date(2026, 1, 1), date(2026, 1, 31), date(2026, 3, 2)


def fill(
    did: str,
    day: date,
    supply: int = 30,
    *,
    patient: str = "p1",
    med: str = "met500",
    therapy: str = "atc:A10BA",
    quantity: float | None = 60.0,
) -> Fill:
    return Fill(did, patient, med, therapy, day, supply, quantity=quantity)


def test_groups_by_patient_and_therapy_in_order() -> None:
    therapies = assemble(
        [
            fill("3", MAR2, patient="p2"),
            fill("2", JAN31, therapy="atc:C09AA", med="enalapril"),
            fill("1", JAN1),
            fill("4", JAN31),
        ]
    )
    keys = [(t.patient, t.therapy, [f.dispense_id for f in t.fills]) for t in therapies]
    assert keys == [
        ("p1", "atc:A10BA", ["1", "4"]),
        ("p1", "atc:C09AA", ["2"]),
        ("p2", "atc:A10BA", ["3"]),
    ]


def test_resent_dispenses_are_dropped_and_reported() -> None:
    """The same id twice, and the same patient+medication+day+quantity under a new id, are
    one dispense; a different quantity the same day is a second dispense."""
    (therapy,) = assemble(
        [
            fill("a", JAN1),
            fill("a", JAN1),
            fill("b", JAN1),  # same content, new id: a re-sent record
            fill("c", JAN1, quantity=30.0),
            fill("d", JAN31, quantity=None),
            fill("e", JAN31, quantity=None),  # no quantity, same days' supply: re-sent
        ]
    )
    assert [f.dispense_id for f in therapy.fills] == ["a", "c", "d"]
    assert [(x.fill.dispense_id, x.reason) for x in therapy.dropped] == [
        ("a", DUPLICATE),
        ("b", DUPLICATE),
        ("e", DUPLICATE),
    ]


def test_future_and_after_death_fills_are_set_aside() -> None:
    (therapy,) = assemble(
        [fill("a", JAN1), fill("b", JAN31), fill("c", MAR2), fill("d", date(2027, 1, 5))],
        as_of=date(2026, 12, 31),
        deaths={"p1": date(2026, 2, 15)},
    )
    assert [f.dispense_id for f in therapy.fills] == ["a", "b"]
    assert [(x.fill.dispense_id, x.reason) for x in therapy.dropped] == [
        ("c", AFTER_DEATH),
        ("d", FUTURE),
    ]
    assert therapy.death == date(2026, 2, 15)


def test_a_therapy_with_only_future_fills_is_reported_but_not_measured() -> None:
    (therapy,) = assemble([fill("a", date(2027, 1, 5))], as_of=date(2026, 12, 31))
    assert therapy.fills == () and therapy.dropped[0].reason == FUTURE


def test_measure_ignores_fills_after_as_of_when_assembled_without_it() -> None:
    """Assembled without as_of, measured as of Feb 28: the Mar 2 fill is not there yet, so
    only Jan 1 and Jan 31 count (period Jan 1..Feb 28 = 59 days, all covered)."""
    (therapy,) = assemble([fill("a", JAN1), fill("b", JAN31), fill("c", MAR2)])
    m = measure(therapy, as_of=date(2026, 2, 28))
    assert (m.fills, m.days_in_period, m.pdc) == (2, 59, 1.0)


def test_missing_zero_or_absurd_supply_is_imputed_and_flagged() -> None:
    (therapy,) = assemble(
        [
            fill("a", JAN1, 0),
            fill("b", JAN31, -5),
            fill("c", MAR2, 400),
            fill("d", MAR2, 90, quantity=180.0),
        ]
    )
    supplies = [(f.dispense_id, f.days_supply, f.imputed_supply) for f in therapy.fills]
    assert supplies == [
        ("a", DEFAULT_DAYS_SUPPLY, True),
        ("b", DEFAULT_DAYS_SUPPLY, True),
        ("c", DEFAULT_DAYS_SUPPLY, True),
        ("d", 90, False),
    ]
    assert therapy.imputed_supply is True
    assert measure(therapy, as_of=MAR2).imputed_supply is True


def test_switch_within_class_is_recorded_and_is_not_abandonment() -> None:
    """Metformin 500 Jan 1 and Jan 31, then metformin 850 on Mar 2: one therapy (A10BA) with a
    switch on Mar 2, covered Jan 1..Mar 31 with no gap -> PDC 1.0, not discontinued."""
    (therapy,) = assemble([fill("a", JAN1), fill("b", JAN31), fill("c", MAR2, med="met850")])
    assert therapy.switches == (Switch(MAR2, "met500", "met850"),)
    m = measure(therapy, as_of=date(2026, 3, 31))
    assert (m.switched, m.pdc, m.discontinued) == (True, 1.0, False)


def test_two_strengths_the_same_day_are_no_switch() -> None:
    (therapy,) = assemble([fill("a", JAN1), fill("b", JAN1, med="met850"), fill("c", JAN31)])
    assert therapy.switches == ()


def test_stays_are_merged_and_kept_per_patient() -> None:
    stays = [
        Interruption("p1", date(2026, 2, 10), date(2026, 2, 20)),
        Interruption("p1", date(2026, 2, 1), date(2026, 2, 12)),
        Interruption("p1", date(2026, 2, 21), date(2026, 2, 22)),  # touches: merged
        Interruption("p1", date(2026, 3, 5), date(2026, 3, 1)),  # reversed: ignored
        Interruption("p2", date(2026, 4, 1), date(2026, 4, 3)),
    ]
    (therapy,) = assemble([fill("a", JAN1)], interruptions=stays)
    assert [(s.start, s.end) for s in therapy.interruptions] == [
        (date(2026, 2, 1), date(2026, 2, 22))
    ]
