"""OWASP API6, a flood of readings by text: one number turns at most
ENLACE_SMS_READINGS_PER_HOUR texts (default 6) into readings in any hour. More are recorded as
the inbound text and its Communication, not stored as readings, and said so once (no reply
storm); an hour later readings are stored again."""

from __future__ import annotations

import pytest

from enlace.interactions.context import Services
from enlace.modules.messaging.domain import DEFAULT_READINGS_PER_HOUR, readings_per_hour
from enlace.modules.monitoring.tables import readings

from .inbound_support import HOUR, NOON, count, enrol, inbound_count, resources, text

MINUTE = 60 * 1_000_000


def test_readings_over_the_hourly_limit_are_recorded_not_stored_and_said_once(
    services: Services,
) -> None:
    enrol(services)
    under = [text(services, f"GLU {120 + i}", at=NOON + i * MINUTE) for i in range(6)]
    assert {r.intent for r in under} == {"reading"} and count(services, readings) == 6
    first_over = text(services, "GLU 140", at=NOON + 10 * MINUTE)
    assert first_over.intent == "reading-limited" and first_over.reply is not None
    assert "not stored" in first_over.outcome
    flood = [text(services, f"GLU {150 + i}", at=NOON + (11 + i) * MINUTE) for i in range(5)]
    assert {r.intent for r in flood} == {"reading-limited"}
    assert all(r.reply is None for r in flood)  # said once, not once a text
    assert count(services, readings) == 6 and inbound_count(services) == 12
    assert len(resources(services, "Communication")) >= 12  # every text is still on record
    later = text(services, "GLU 130", at=NOON + HOUR + 30 * MINUTE)
    assert later.intent == "reading" and count(services, readings) == 7


def test_the_limit_is_per_number_and_set_by_the_environment(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENLACE_SMS_READINGS_PER_HOUR", "1")
    enrol(services)
    enrol(services, "p2", "+525599998888")
    assert text(services, "GLU 120").intent == "reading"
    assert text(services, "GLU 121", at=NOON + MINUTE).intent == "reading-limited"
    other = text(services, "GLU 122", at=NOON + MINUTE, sender="+525599998888")
    assert other.intent == "reading"


@pytest.mark.parametrize(("value", "limit"), [("", DEFAULT_READINGS_PER_HOUR), ("20", 20)])
def test_the_setting_reads_whole_numbers(value: str, limit: int) -> None:
    assert readings_per_hour({"ENLACE_SMS_READINGS_PER_HOUR": value}) == limit


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_a_bad_setting_is_refused_naming_it(value: str) -> None:
    with pytest.raises(ValueError, match="ENLACE_SMS_READINGS_PER_HOUR"):
        readings_per_hour({"ENLACE_SMS_READINGS_PER_HOUR": value})
