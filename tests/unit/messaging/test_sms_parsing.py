"""Reading a text and a phone number (pure): keywords, readings, units, numbers in E.164."""

from __future__ import annotations

from datetime import time

import pytest

from enlace.modules.messaging import keywords as k
from enlace.modules.messaging.domain import (
    DEFAULT_POLICY,
    QUIET_HOURS_ENV,
    policy_from_env,
    release_time,
)
from enlace.modules.messaging.phones import e164, variants


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        ("TOMÉ", "taken"),
        ("tome!", "taken"),
        ("Ya tomé", "taken"),
        ("took", "taken"),
        ("no", "missed"),
        ("No tomé", "missed"),
        ("CITA", "appointment"),
        ("citas?", "appointment"),
        ("Ayuda", "help"),
        ("HELP", "help"),
        ("baja", "stop"),
        ("STOP", "stop"),
        ("alta", "start"),
        ("Sí", "yes"),
        ("agendar", "book"),
    ],
)
def test_keywords_ignore_accents_case_and_punctuation(said: str, intent: str) -> None:
    parsed = k.parse(said)
    assert isinstance(parsed, k.Keyword) and parsed.intent == intent


def test_missed_keeps_what_follows() -> None:
    assert k.parse("NO 3") == k.Keyword("missed", "3")


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("PA 150/95", k.SelfReading("bp", 150, 95)),
        ("ta 150-95", k.SelfReading("bp", 150, 95)),
        ("Presión 128/82 mmHg", k.SelfReading("bp", 128, 82)),
        ("GLU 180", k.SelfReading("glucose", 180)),
        ("glucosa 180 mg/dl", k.SelfReading("glucose", 180)),
        ("Azúcar: 95", k.SelfReading("glucose", 95)),
        ("PESO 82.5", k.SelfReading("weight", 82.5)),
        ("peso 82,5 kg", k.SelfReading("weight", 82.5)),
    ],
)
def test_readings_in_canonical_units(said: str, expected: k.SelfReading) -> None:
    assert k.parse(said) == expected


def test_mmol_and_pounds_are_converted_and_said() -> None:
    glucose = k.parse("GLU 10 mmol/L")
    assert glucose == k.SelfReading("glucose", 180, note="10 mmol/L = 180 mg/dL")
    weight = k.parse("peso 200 lbs")
    assert weight == k.SelfReading("weight", 90.7, note="200 lb = 90.7 kg")


def test_a_small_glucose_without_unit_is_asked_not_guessed() -> None:
    parsed = k.parse("GLU 6.2")
    assert isinstance(parsed, k.Ambiguous) and parsed.reading.value == round(6.2 * 18.016)


@pytest.mark.parametrize("said", ["GLU 0", "GLU 1200", "PA 350/90", "PA 80/120", "PESO 0.5"])
def test_impossible_values_are_refused(said: str) -> None:
    assert isinstance(k.parse(said), k.Implausible)


@pytest.mark.parametrize("said", ["", "hola", "GLU", "PA 150", "150/95", "GLU alta", "PESOS 80"])
def test_anything_else_is_unreadable(said: str) -> None:
    assert isinstance(k.parse(said), k.Unreadable)


def test_keywords_are_configurable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "keywords.json"
    path.write_text('{"taken": ["LISTA", "Ya me la tomé"]}')
    table = k.load_keywords({"ENLACE_SMS_KEYWORDS": str(path)})
    assert k.parse("ya me la tome", table) == k.Keyword("taken", "")
    assert isinstance(k.parse("TOMÉ", table), k.Unreadable)  # replaced, not extended
    path.write_text('{"dance": ["BAILA"]}')
    with pytest.raises(ValueError, match="unknown intent 'dance'"):
        k.load_keywords({"ENLACE_SMS_KEYWORDS": str(path)})


@pytest.mark.parametrize(
    "raw",
    [
        "+52 55 1234 5678",
        "+52 1 55 1234 5678",
        "5512345678",
        "55-1234-5678",
        "(55) 1234 5678",
        "044 55 1234 5678",
        "045 55 1234 5678",
        "01 55 1234 5678",
        "525512345678",
        "5215512345678",
        "0052 55 1234 5678",
    ],
)
def test_mexican_numbers_normalise_to_e164(raw: str) -> None:
    assert e164(raw) == "+525512345678"


@pytest.mark.parametrize("raw", ["", "abc", "12345", "+52 55 1234", "55 1234 5678 9"])
def test_not_phone_numbers(raw: str) -> None:
    assert e164(raw) is None


def test_foreign_numbers_keep_their_country_and_variants_cover_old_spellings() -> None:
    assert e164("+1 (415) 555-1234") == "+14155551234"
    assert "5512345678" in variants("+525512345678")
    assert "+5215512345678" in variants("+525512345678")


def test_quiet_hours_from_the_environment() -> None:
    assert policy_from_env({}) == DEFAULT_POLICY
    off = policy_from_env({QUIET_HOURS_ENV: "off"})
    assert release_time(1_773_201_600_000_000, off) == 1_773_201_600_000_000  # 22:00 local
    late = policy_from_env({QUIET_HOURS_ENV: "22:30-07:00"})
    assert (late.quiet_start, late.quiet_end) == (time(22, 30), time(7, 0))
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        policy_from_env({QUIET_HOURS_ENV: "night"})
