"""Cold-chain rules on hand-made series, with hand-computed expectations (docs/coldchain.md)."""

from __future__ import annotations

import pytest

from enlace.modules.coldchain import domain
from enlace.modules.coldchain.domain import Point

H = 3_600_000_000  # one hour in µs
M = 60_000_000  # one minute


def hourly(*values: float, start: int = 0) -> list[Point]:
    return [Point(start + n * H, v) for n, v in enumerate(values)]


def test_heat_alarm_needs_ten_continuous_hours_above_eight() -> None:
    # 9 °C from h1 to h11, back to 5 °C at h12: 11 hours above 8 -> one heat alarm.
    found = domain.excursions(hourly(5, *[9] * 11, 5))
    assert found == [domain.Excursion("heat", 1 * H, 12 * H, 11 * H, 9.0)]
    assert found[0].duration_us == 11 * H
    # Above from h0, back inside at h10: exactly 10 h -> alarm (the limit is inclusive).
    assert [e.duration_us for e in domain.excursions(hourly(*[9] * 10, 5))] == [10 * H]
    # Back inside at h9: 9 h -> no alarm.
    assert domain.excursions(hourly(*[9] * 9, 5)) == []
    # 8.0 is inside the range: never a heat alarm.
    assert domain.excursions(hourly(*[8.0] * 24)) == []


def test_two_six_hour_runs_are_twelve_hours_outside_but_no_alarm() -> None:
    points = hourly(*[10] * 6, 5, *[10] * 6, 5)  # above h0-h6 and h7-h13
    assert domain.excursions(points) == []
    assert domain.outside_range_us(points) == 12 * H


def test_peak_and_ongoing_heat_alarm() -> None:
    # Still above 8 at the last reading: the excursion has no end yet, duration to the last one.
    found = domain.excursions(hourly(9, 9, 12.5, *[9] * 8))
    assert found == [domain.Excursion("heat", 0, None, 10 * H, 12.5)]


def test_freeze_alarm_at_or_below_minus_half_for_an_hour() -> None:
    quarter = [Point(n * 15 * M, -0.5) for n in range(5)] + [Point(75 * M, 4.0)]
    found = domain.excursions(quarter)
    assert found == [domain.Excursion("freeze", 0, 75 * M, 60 * M, -0.5)]
    # -0.4 °C for two hours: below the range (counted) but no freeze alarm.
    mild = [Point(n * 15 * M, -0.4) for n in range(9)] + [Point(135 * M, 4.0)]
    assert domain.excursions(mild) == []
    assert domain.outside_range_us(mild) == 135 * M
    # -1 °C for 55 minutes only.
    short = [Point(n * 15 * M, -1.0) for n in range(4)] + [Point(55 * M, 3.0)]
    assert domain.excursions(short) == []


def test_a_gap_breaks_a_run_and_is_a_fault_not_an_excursion() -> None:
    before = hourly(*[9] * 6)  # h0-h5
    after = hourly(*[9] * 6, start=8 * H)  # h8-h13: three hours of silence between
    points = before + after
    assert domain.excursions(points) == []  # 5 h + 5 h, not joined across the gap
    assert domain.outside_range_us(points) == 10 * H
    assert domain.gaps(points) == [domain.Fault("gap", 5 * H, 8 * H, "no reading for 3.0 h")]


def test_stuck_sensor_is_a_fault_and_its_readings_raise_no_alarm() -> None:
    stuck = [Point(n * 30 * M, 9.0) for n in range(25)]  # 9.0 exactly for 12 h
    faults = domain.stuck_runs(stuck)
    assert faults == [domain.Fault("stuck-sensor", 0, 12 * H, "25 readings of exactly 9 °C")]
    assert domain.excursions(domain.without_stuck(stuck, faults)) == []
    # 11.5 h of the same value is not yet stuck.
    assert domain.stuck_runs(stuck[:24]) == []
    # A real fridge moves: alternating 4.0 and 4.1 is never stuck.
    moving = [Point(n * 30 * M, 4.0 + 0.1 * (n % 2)) for n in range(48)]
    assert domain.stuck_runs(moving) == []


def test_clock_jump_back_within_a_message() -> None:
    sent = [Point(0, 4.0), Point(H, 4.1), Point(30 * M, 4.2), Point(2 * H, 4.0)]
    assert domain.clock_jumps(sent) == [
        domain.Fault("clock-jump", 30 * M, H, "time went back 30 min")
    ]
    assert domain.clock_jumps(sorted(sent, key=lambda p: p.t_us)) == []


def test_mean_kinetic_temperature_by_hand() -> None:
    # Half the time at 5 °C, half at 25 °C. By hand: ΔH/R = 83144 / 8.3144 = 10000 K;
    # 10000/278.15 = 35.95182, 10000/298.15 = 33.54016; mean of the exponentials
    # = e^-33.54016 x (1 + e^-2.41166) / 2 = e^-33.54016 x 0.544833; -ln = 33.54016 + 0.607277
    # = 34.14744; MKT = 10000 / 34.14744 = 292.848 K = 19.70 °C (arithmetic mean 15 °C).
    spans = [domain.Held(5.0, 3 * H), domain.Held(25.0, 3 * H)]
    assert domain.mkt_celsius(spans) == pytest.approx(19.70, abs=0.01)
    # A constant temperature is its own MKT; weights are durations, not reading counts.
    assert domain.mkt_celsius([domain.Held(5.0, H)]) == pytest.approx(5.0, abs=1e-9)
    unequal = [domain.Held(5.0, 3 * H), domain.Held(25.0, 0)]
    assert domain.mkt_celsius(unequal) == pytest.approx(5.0, abs=1e-9)
    assert domain.mkt_celsius([]) is None


def test_sample_and_hold_durations() -> None:
    points = [Point(0, 4.0), Point(10 * M, 6.0), Point(30 * M, 5.0), Point(4 * H, 5.0)]
    # The last span crosses a 3.5 h gap: not counted.
    assert domain.held(points) == [domain.Held(4.0, 10 * M), domain.Held(6.0, 20 * M)]
