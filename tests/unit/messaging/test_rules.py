"""Messaging rules, pure: quiet hours, caps, consent checks, backoff, templates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from enlace.kernel.clock import epoch_us
from enlace.kernel.errors import FhirError
from enlace.modules.messaging import domain
from enlace.modules.messaging.domain import ConsentState, Preference
from enlace.modules.messaging.templates import TEMPLATES, Template, render


def utc(day: int, hour: int, minute: int = 0) -> int:
    return epoch_us(datetime(2026, 3, day, hour, minute, tzinfo=UTC))


# Mexico City is UTC-6: local 21:00 is 03:00 UTC the next day, local 08:00 is 14:00 UTC.
@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(10, 18), utc(10, 18)),  # 12:00 local: now
        (utc(11, 2, 59), utc(11, 2, 59)),  # 20:59 local: still allowed
        (utc(11, 3), utc(11, 14)),  # 21:00 local: waits for 08:00 the next day
        (utc(11, 10), utc(11, 14)),  # 04:00 local: waits for 08:00 the same day
        (utc(11, 14), utc(11, 14)),  # 08:00 local exactly: now
    ],
)
def test_quiet_hours(now: int, expected: int) -> None:
    assert domain.release_time(now) == expected


def test_local_day_bounds_are_mexico_city_midnights() -> None:
    start, end = domain.local_day_bounds(utc(11, 3))  # 21:00 local on the 10th
    assert (start, end) == (utc(10, 6), utc(11, 6))


def test_caps_per_local_day_and_week() -> None:
    noon = utc(10, 18)
    day = domain.DAY_US
    assert not domain.over_cap("adherence", noon, [])
    assert domain.over_cap("adherence", noon, [noon - 3600 * 10**6])  # same local day
    # yesterday 23:00 UTC is 17:00 local on the 9th: another day, and only 1 in the week
    assert not domain.over_cap("adherence", noon, [utc(9, 23)])
    assert domain.over_cap("adherence", noon, [noon - day, noon - 2 * day, noon - 3 * day])
    assert not domain.over_cap("adherence", noon, [noon - 7 * day, noon - 8 * day])
    assert not domain.over_cap("care", noon, [noon, noon])  # no cap on that kind


def test_blocked_by_in_order() -> None:
    chosen = TEMPLATES["refill-reminder"]
    sms = Preference("sms", "+52")
    given = ConsentState("Red Enlace", granted_us=0)
    assert domain.blocked_by(None, given, chosen, 10) == domain.NO_CHANNEL
    assert domain.blocked_by(sms, None, chosen, 10) == domain.NO_CONSENT
    withdrawn = ConsentState("Red Enlace", granted_us=0, withdrawn_us=5)
    assert domain.blocked_by(sms, withdrawn, chosen, 10) == domain.OPTED_OUT
    assert domain.blocked_by(sms, given, chosen, 10) is None


def test_whatsapp_needs_an_approved_utility_template_outside_the_window() -> None:
    unapproved = Template("x", "adherence", "{sender}", "{sender}", "x_v1", "marketing")
    given = ConsentState("Red Enlace", granted_us=0)
    outside = Preference("whatsapp", "+52", last_inbound_us=None)
    inside = Preference("whatsapp", "+52", last_inbound_us=domain.DAY_US)
    now = domain.DAY_US + 3600 * 10**6  # an hour after the patient wrote
    assert domain.blocked_by(outside, given, unapproved, now) == domain.NOT_APPROVED
    assert domain.blocked_by(inside, given, unapproved, now) is None
    assert domain.blocked_by(outside, given, TEMPLATES["refill-reminder"], now) is None


def test_backoff_doubles_then_gives_up() -> None:
    minute = 60 * 10**6
    assert [domain.next_attempt(0, n) for n in (1, 2, 3, 5)] == [minute, 2 * minute, 4 * minute,
                                                                   16 * minute]  # fmt: skip
    assert domain.next_attempt(0, domain.MAX_ATTEMPTS) is None


def test_unknown_channel_names_the_field() -> None:
    with pytest.raises(FhirError) as raised:
        domain.check_channel("telegram", "preference.channel")
    assert raised.value.status == 400
    assert raised.value.issues[0].expression == "preference.channel"


def test_templates_in_spanish_then_english_and_every_field_required() -> None:
    params = {"sender": "Red Enlace", "name": "Luis", "medicine": "insulina glargina"}
    assert render("dose-reminder", params) == (
        "Red Enlace: Luis, recuerda tomar tu insulina glargina hoy como te lo indicaron. "
        "Responde BAJA para no recibir más mensajes."
    )
    assert render("dose-reminder", params, "en").startswith("Red Enlace: Luis, remember")
    with pytest.raises(FhirError) as raised:
        render("copay-assistance", params)
    assert raised.value.issues[0].expression == "params.fee"
    with pytest.raises(FhirError):
        render("birthday-greeting", params)


def test_every_template_we_start_with_is_an_approved_utility_template() -> None:
    started = [t for t in TEMPLATES.values() if t.kind != "reply"]
    assert {t.whatsapp_category for t in started} == {"utility"}
    assert all(t.whatsapp_name for t in started)
    # Replies answer a text the patient sent: free text, inside the window they opened only.
    replies = [t for t in TEMPLATES.values() if t.kind == "reply"]
    assert replies and not any(t.whatsapp_name for t in replies)
