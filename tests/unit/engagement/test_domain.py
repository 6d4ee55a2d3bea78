"""The patient app's pure rules: typed readings and units, the verdict against the patient's own
targets, dose times of day, and who wins when an offline check-off meets a server change."""

from __future__ import annotations

from datetime import date

import pytest

from enlace.modules.engagement import domain
from enlace.modules.engagement.domain import EntryError, Target, entry, settle, slots_for, verdict


def goal(code: str, low: float | None, high: float | None, unit: str) -> dict[str, object]:
    rng: dict[str, object] = {}
    if low is not None:
        rng["low"] = {"value": low, "unit": unit}
    if high is not None:
        rng["high"] = {"value": high, "unit": unit}
    return {"resourceType": "Goal", "lifecycleStatus": "active",
            "target": [{"measure": {"coding": [{"system": domain.LOINC, "code": code}]},
                        "detailRange": rng}]}  # fmt: skip


def test_glucose_in_mmol_is_converted_and_wrong_units_are_refused() -> None:
    assert entry("glucose", "mmol/L", "10,0").value == pytest.approx(180.0)
    assert entry("glucose", "mg/dL", 95).value == 95.0
    for kind, unit in [("glucose", "kg"), ("glucose", "mg/dl"), ("bp", "kPa"), ("weight", "%")]:
        with pytest.raises(EntryError) as bad:
            entry(kind, unit, 100, 60 if kind == "bp" else None)
        assert bad.value.field == "unit" and bad.value.params["unit"] == unit


@pytest.mark.parametrize(
    ("kind", "unit", "value", "value2", "field"),
    [("glucose", "mg/dL", 5000, None, "value"), ("glucose", "mg/dL", "alta", None, "value"),
     ("bp", "mmHg", 120, 130, "value2"), ("bp", "mmHg", 120, None, "value2"),
     ("weight", "kg", 0, None, "value"), ("weight", "kg", 70, 3, "value2"),
     ("pulse", "/min", 70, None, "measure"), ("glucose", "mg/dL", True, None, "value")],
)  # fmt: skip
def test_bad_entries_name_their_field(
    kind: str, unit: str, value: object, value2: object, field: str
) -> None:
    with pytest.raises(EntryError) as bad:
        entry(kind, unit, value, value2)
    assert bad.value.field == field


def test_verdict_uses_the_patients_own_goal_before_the_general_target() -> None:
    high = entry("glucose", "mg/dL", 160)
    assert verdict(high, {}).level == "ok"  # general 70-180
    own = domain.targets_from_goals([goal(domain.GLUCOSE, 80, 140, "mg/dL")])
    assert own[domain.GLUCOSE] == Target(80.0, 140.0, True)
    judged = verdict(high, own)
    assert (judged.level, judged.key) == ("high", "feedback.glucose_high")
    assert judged.params["high"] == 140.0 and judged.params["own"] is True


def test_dangerous_values_are_said_so_whatever_the_goal() -> None:
    own = domain.targets_from_goals([goal(domain.GLUCOSE, 80, 400, "mg/dL")])
    assert verdict(entry("glucose", "mg/dL", 320), own).level == "danger-high"
    assert verdict(entry("glucose", "mg/dL", 50), own).level == "danger-low"
    assert verdict(entry("bp", "mmHg", 185, 100), {}).level == "danger-high"
    assert verdict(entry("bp", "mmHg", 150, 95), {}).key == "feedback.bp_high"
    assert verdict(entry("bp", "mmHg", 118, 76), {}).key == "feedback.bp_ok"


def test_goals_in_other_units_or_out_of_order_are_ignored() -> None:
    goals = [goal(domain.GLUCOSE, 200, 100, "mg/dL"), goal(domain.WEIGHT, 60, 70, "g")]
    assert domain.targets_from_goals(goals) == {}
    mmol = domain.targets_from_goals([goal(domain.GLUCOSE, 5, 10, "mmol/L")])
    assert mmol[domain.GLUCOSE].high == pytest.approx(180.0)


def rx(frequency: int, period: float = 1, unit: str = "d", **extra: object) -> dict[str, object]:
    return {"authoredOn": "2026-01-01", "dosageInstruction": [
        {"timing": {"repeat": {"frequency": frequency, "period": period, "periodUnit": unit}},
         **extra}],
        "dispenseRequest": {"validityPeriod": {"start": "2026-01-01", "end": "2026-03-31"}}}  # fmt: skip


def test_dose_times_follow_the_prescription() -> None:
    day = date(2026, 1, 10)
    assert slots_for(rx(1), day) == ("08:00",)
    assert slots_for(rx(2), day) == ("08:00", "20:00")
    assert slots_for(rx(3), day) == ("08:00", "14:00", "20:00")
    assert slots_for(rx(1, 1, "wk"), date(2026, 1, 8)) == ("08:00",)
    assert slots_for(rx(1, 1, "wk"), day) == ()
    assert slots_for(rx(1, asNeededBoolean=True), day) == (domain.AS_NEEDED_SLOT,)
    assert slots_for(rx(2), date(2026, 4, 1)) == ()  # past its validity


@pytest.mark.parametrize(
    ("current", "seen", "wanted", "write", "outcome"),
    [(None, None, "taken", True, "created"),
     ("taken", "taken", "taken", False, "unchanged"),
     ("skipped", "skipped", "taken", True, "created"),  # the phone saw it: its change stands
     ("skipped", None, "taken", True, "merged"),  # someone else said skipped: taken wins
     ("taken", None, "skipped", False, "conflict"),  # someone else said taken: it stays taken
     ("taken", "taken", "skipped", True, "created")],  # the patient corrects what they saw
)  # fmt: skip
def test_the_conflict_rule(
    current: str | None, seen: str | None, wanted: str, write: bool, outcome: str
) -> None:
    assert settle(current, seen, wanted) == domain.Settlement(write, outcome)
