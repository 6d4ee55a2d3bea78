"""What an incoming text says (pure): a keyword, a self-reported reading, or nothing we can read.

Texts are compared without accents, case or surrounding punctuation ("Tomé", "tome", "TOMÉ!"
are one word). Keywords are a table of synonyms per intent, Spanish and English; a deployment
replaces or extends it with a JSON file named by ENLACE_SMS_KEYWORDS ({"taken": ["YA", ...]}).

Readings ("PA 150/95", "TA 150/95", "GLU 180", "GLUCOSA 7.5 mmol/L", "PESO 182 lb") are parsed
into the canonical unit of the monitoring module; a unit we convert is said in `note`. Nothing is
ever guessed: a text that is neither a keyword nor a well-formed reading is `Unreadable`, a
reading outside what a person can show is `Implausible`, and a glucose without a unit whose
number looks like mmol/L is `Ambiguous` (the patient is asked to confirm before anything is
stored).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson

MGDL_PER_MMOLL = 18.016  # REFERENCE.md §1 (monitoring.domain uses the same factor)
KG_PER_LB = 0.45359237

INTENTS = ("taken", "missed", "appointment", "book", "help", "stop", "start", "yes")
DEFAULT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "taken": ("TOME", "TOMADO", "TOMADA", "YA TOME", "LISTO", "TOOK", "TAKEN", "DONE"),
    "missed": ("NO", "NO TOME", "OLVIDE", "NO LA TOME", "MISSED", "NOT TAKEN"),
    "appointment": ("CITA", "CITAS", "APPOINTMENT", "APPT"),
    "book": ("AGENDAR", "RESERVAR", "BOOK"),
    "help": ("AYUDA", "AUXILIO", "SOCORRO", "HELP"),
    "stop": ("BAJA", "ALTO", "CANCELAR", "STOP", "UNSUBSCRIBE"),
    "start": ("ALTA", "REANUDAR", "START", "UNSTOP"),
    "yes": ("SI", "CORRECTO", "CONFIRMO", "YES", "OK"),
}
# Ranges a person can show (monitoring.domain.CODES): outside them a reading is refused.
GLUCOSE_RANGE = (10.0, 800.0)
SYSTOLIC_RANGE = (40.0, 300.0)
DIASTOLIC_RANGE = (20.0, 200.0)
WEIGHT_RANGE = (1.0, 400.0)
MMOL_LOOKING = 35.0  # a glucose under this with no unit is probably mmol/L: ask


@dataclass(frozen=True, slots=True)
class Keyword:
    intent: str
    rest: str  # what followed the keyword ("NO 2": the answer to "why?")


@dataclass(frozen=True, slots=True)
class SelfReading:
    kind: str  # bp | glucose | weight
    value: float  # systolic for bp; mg/dL; kg
    value2: float | None = None  # diastolic
    note: str = ""  # the conversion made ("7.5 mmol/L = 135 mg/dL"), in the reply


@dataclass(frozen=True, slots=True)
class Ambiguous:
    reading: SelfReading  # what it would be if the patient confirms
    said: str  # what the patient wrote


@dataclass(frozen=True, slots=True)
class Implausible:
    kind: str
    said: str


@dataclass(frozen=True, slots=True)
class Unreadable:
    said: str


Parsed = Keyword | SelfReading | Ambiguous | Implausible | Unreadable


def normalise(text: str) -> str:
    """Upper case, no accents, single spaces, no punctuation at the ends ("¡Tomé!" -> TOME)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.upper().replace(",", ".")
    plain = re.sub(r"\s+", " ", plain).strip()
    return plain.strip(" .!¡?¿:;\"'")


def load_keywords(env: Mapping[str, str] = os.environ) -> dict[str, tuple[str, ...]]:
    """The default table, with the intents a JSON file (ENLACE_SMS_KEYWORDS) names replaced."""
    table = dict(DEFAULT_KEYWORDS)
    path = env.get("ENLACE_SMS_KEYWORDS", "").strip()
    if not path:
        return table
    configured = orjson.loads(Path(path).read_bytes())
    for intent, words in configured.items():
        if intent not in INTENTS:
            raise ValueError(f"{path}: unknown intent '{intent}' (one of {', '.join(INTENTS)})")
        table[intent] = tuple(normalise(str(w)) for w in words)
    return table


_NUMBER = r"(\d{1,4}(?:\.\d{1,2})?)"
_BP = re.compile(
    r"^(?:PA|TA|PRESION|PRESION ARTERIAL|BP)\s*:?\s*(\d{2,3})\s*[/\- ]\s*(\d{2,3})(?:\s*MM ?HG)?$"
)
_GLUCOSE = re.compile(
    r"^(?:GLU|GLUC|GLUCOSA|GLUCOSE|AZUCAR|SUGAR)\s*:?\s*"
    + _NUMBER
    + r"\s*(MG ?/ ?DL|MG|MMOL ?/ ?L|MMOL)?$"
)
_WEIGHT = re.compile(
    r"^(?:PESO|WEIGHT|WT)\s*:?\s*" + _NUMBER + r"\s*(KG|KGS|KILOS?|LB|LBS|LIBRAS?)?$"
)


def parse(text: str, keywords: Mapping[str, tuple[str, ...]] = DEFAULT_KEYWORDS) -> Parsed:
    said = normalise(text)
    reading = _reading(said)
    if reading is not None:
        return reading
    for intent, words in keywords.items():
        for word in sorted(words, key=len, reverse=True):  # "NO TOME" before "NO"
            if said == word or said.startswith(word + " "):
                return Keyword(intent, said[len(word) :].strip())
    return Unreadable(said)


def _reading(said: str) -> Parsed | None:
    if match := _BP.match(said):
        systolic, diastolic = float(match[1]), float(match[2])
        fits = _within(systolic, SYSTOLIC_RANGE) and _within(diastolic, DIASTOLIC_RANGE)
        return (
            SelfReading("bp", systolic, diastolic)
            if fits and systolic > diastolic
            else Implausible("bp", said)
        )
    if match := _GLUCOSE.match(said):
        return _glucose(float(match[1]), (match[2] or "").replace(" ", ""), said)
    if match := _WEIGHT.match(said):
        return _weight(float(match[1]), (match[2] or "").replace(" ", ""), said)
    return None


def _glucose(value: float, unit: str, said: str) -> Parsed:
    if unit.startswith("MMOL"):
        mgdl = round(value * MGDL_PER_MMOLL)
        reading = SelfReading("glucose", mgdl, note=f"{_num(value)} mmol/L = {mgdl} mg/dL")
        return reading if _within(mgdl, GLUCOSE_RANGE) else Implausible("glucose", said)
    if not _within(value, GLUCOSE_RANGE):
        if not unit and 1.0 <= value < GLUCOSE_RANGE[0]:  # "GLU 7.5": mmol/L, surely, but ask
            return _ambiguous_mmol(value, said)
        return Implausible("glucose", said)
    if not unit and value < MMOL_LOOKING:
        return _ambiguous_mmol(value, said)
    return SelfReading("glucose", value)


def _ambiguous_mmol(value: float, said: str) -> Parsed:
    mgdl = round(value * MGDL_PER_MMOLL)
    return Ambiguous(
        SelfReading("glucose", mgdl, note=f"{_num(value)} mmol/L = {mgdl} mg/dL"), said
    )


def _weight(value: float, unit: str, said: str) -> Parsed:
    if unit.startswith(("LB", "LIBRA")):
        kg = round(value * KG_PER_LB, 1)
        reading = SelfReading("weight", kg, note=f"{_num(value)} lb = {_num(kg)} kg")
    else:
        reading = SelfReading("weight", value)
    return reading if _within(reading.value, WEIGHT_RANGE) else Implausible("weight", said)


def _within(value: float, span: tuple[float, float]) -> bool:
    return span[0] <= value <= span[1]


def _num(value: float) -> str:
    return f"{value:g}"
