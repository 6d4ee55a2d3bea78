"""Reporting deadline rules (ICH E2D 15 days for serious unexpected; NOM-220 values marked check)."""

from __future__ import annotations

from enlace.modules.vigilance.deadlines import DAY_US, due_us, rule_for


def test_rules_by_seriousness_and_expectedness() -> None:
    assert (rule_for(True, True).key, rule_for(True, True).days) == ("serious-unexpected", 15)
    assert rule_for(True, True).verified
    assert (rule_for(True, False).key, rule_for(True, False).verified) == (
        "serious-expected",
        False,
    )
    assert (rule_for(False, True).days, rule_for(False, False).days) == (30, 30)


def test_due_is_received_plus_calendar_days() -> None:
    received = 1_000 * DAY_US + 123
    assert due_us(received, rule_for(True, True)) == received + 15 * DAY_US
