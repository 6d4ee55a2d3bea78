"""Intervention rules and randomization, pure."""

from __future__ import annotations

import pytest

from enlace.modules.adherence.interventions import (
    Action,
    InterventionSettings,
    TherapyRisk,
    copay_is_high,
    plan,
)
from enlace.modules.adherence.randomization import Study, arm_for, risk_band, unit_hash

SETTINGS = InterventionSettings()


def kinds(risk: TherapyRisk, arm: str = "treated") -> list[tuple[str, str | None]]:
    return [(a.rule, a.template) for a in plan(risk, arm, SETTINGS)]


def test_low_risk_gets_nothing() -> None:
    assert kinds(TherapyRisk("p", "t", 0.29)) == []


def test_moderate_risk_reminder_kind_depends_on_supply_left() -> None:
    assert kinds(TherapyRisk("p", "t", 0.3, days_supply_left=7)) == [
        ("R1-reminder", "refill-reminder")
    ]
    assert kinds(TherapyRisk("p", "t", 0.3, days_supply_left=8)) == [
        ("R1-reminder", "dose-reminder")
    ]


def test_auto_refill_only_with_delivery_and_not_already_on_it() -> None:
    offer = TherapyRisk("p", "t", 0.55, delivery_available=True)
    assert kinds(offer) == [("R2-auto-refill", "auto-refill-offer")]
    no_delivery = TherapyRisk("p", "t", 0.55, delivery_available=False, days_supply_left=2)
    assert kinds(no_delivery) == [("R1-reminder", "refill-reminder")]
    already = TherapyRisk("p", "t", 0.55, delivery_available=True, auto_refill=True)
    assert kinds(already)[0][0] == "R1-reminder"


def test_copay_high_by_income_share_or_amount() -> None:
    # 5 % of $8,000 is $400: $400 is high, $399.99 is not
    assert copay_is_high(TherapyRisk("p", "t", 0.4, copay_centavos=40_000,
                                     household_income_centavos=800_000), SETTINGS)  # fmt: skip
    assert not copay_is_high(
        TherapyRisk("p", "t", 0.4, copay_centavos=39_999, household_income_centavos=800_000),
        SETTINGS,
    )
    assert copay_is_high(TherapyRisk("p", "t", 0.4, copay_centavos=30_000), SETTINGS)
    assert not copay_is_high(TherapyRisk("p", "t", 0.4, copay_centavos=29_999), SETTINGS)


def test_high_risk_all_actions_and_copay_message_wins() -> None:
    risk = TherapyRisk(
        "p", "t", 0.8, copay_centavos=50_000, delivery_available=True, prescriber="Practitioner/d"
    )
    assert plan(risk, "treated", SETTINGS) == [
        Action("message", "R3-copay", "copay-assistance"),
        Action("outreach-task", "R4-outreach"),
        Action("notify-physician", "R5-notify"),
    ]


def test_control_gets_no_proactive_action_only_clinical_outreach() -> None:
    assert plan(TherapyRisk("p", "t", 0.6, delivery_available=True), "control", SETTINGS) == []
    assert plan(TherapyRisk("p", "t", 0.75), "control", SETTINGS) == [
        Action("outreach-task", "R4-clinical")
    ]


@pytest.mark.parametrize(
    ("p", "band"), [(0.0, "low"), (0.29, "low"), (0.3, "moderate"), (0.5, "moderate-high"),
                    (0.69, "moderate-high"), (0.7, "high"), (1.0, "high")],
)  # fmt: skip
def test_risk_bands(p: float, band: str) -> None:
    assert risk_band(p) == band


def test_arm_deterministic_share_and_high_band_never_held_out() -> None:
    study = Study(id="trial")
    arms = [arm_for(study, f"p{i}", "atc:A10BA", "moderate") for i in range(20_000)]
    assert arms == [arm_for(study, f"p{i}", "atc:A10BA", "moderate") for i in range(20_000)]
    share = arms.count("control") / len(arms)
    assert share == pytest.approx(0.20, abs=0.012)  # ± 4 standard errors
    assert {arm_for(study, f"p{i}", "atc:A10BA", "high") for i in range(2000)} == {"treated"}
    assert unit_hash("a", "b", "c") != unit_hash("a2", "b", "c")  # the study reshuffles


def test_control_share_validated() -> None:
    with pytest.raises(ValueError):
        Study(control_share=1.0)
