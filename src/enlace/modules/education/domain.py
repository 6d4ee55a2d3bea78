"""Education's pure rules: when a sequence's items fall due, how a quiz is graded, when a course
is complete, who counts as trained, and which course a clinician's panel suggests.

Suggestion rule (docs/education.md "Suggestions"), over the clinician's panel — the patients
whose prescriptions the clinician wrote, each with a diabetes diagnosis (ICD-10 E10-E14 in a
prescription's reason) and the latest HbA1c:
- **insulin-initiation** when at least MIN_PANEL diabetic patients have a latest HbA1c ≥ 9 %
  and fewer than INSULIN_SHARE of them have an insulin prescribed (therapeutic inertia);
- **cv-risk-statins** when at least MIN_PANEL patients have diabetes and fewer than
  STATIN_SHARE of them have a statin prescribed.
A course already completed is not suggested again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .content import Course, Item, Module

WEEK_US = 7 * 24 * 3600 * 1_000_000
MIN_PANEL = 5
POOR_HBA1C = 9.0
INSULIN_SHARE = 0.30
STATIN_SHARE = 0.50


def delivery_id(patient: str, item: str, cause: str) -> str:
    return "edu-" + hashlib.sha256(f"{patient}|{item}|{cause}".encode()).hexdigest()[:32]


# The SMS link `/learn/{item}?d=<link>` needs no sign-in, so the link is a capability: the
# delivery id alone is computable by anyone who knows the patient's and condition's ids (it
# hashes them, for idempotency), so the link carries the id and 128 bits of HMAC over it.
LINK_PURPOSE = b"enlace.education.link|"
LINK_MAC_HEX = 32  # 128 bits


def link_key(secret_key: str) -> bytes:
    """The key of the links, derived from the server secret (rotating it voids old links)."""
    return hashlib.sha256(LINK_PURPOSE + secret_key.encode()).digest()


def link_token(key: bytes, delivery: str) -> str:
    mac = hmac.new(key, delivery.encode(), hashlib.sha256).hexdigest()[:LINK_MAC_HEX]
    return f"{delivery}.{mac}"


def delivery_of_link(key: bytes, link: str) -> str | None:
    """The delivery id a link names, or None when the link is not one this server signed."""
    delivery, _, mac = link.rpartition(".")
    if not delivery or len(mac) != LINK_MAC_HEX:
        return None
    return delivery if hmac.compare_digest(link_token(key, delivery), link) else None


def due_times(start_us: int, items: Sequence[Item], now_us: int) -> list[tuple[Item, int]]:
    """Each item of a sequence with when it falls due: its week after `start_us`, and never in
    the past (a diagnosis found late starts its sequence now, spaced as written)."""
    if not items:
        return []
    shift = max(0, now_us - start_us - items[0].week * WEEK_US)
    return [(item, start_us + item.week * WEEK_US + shift) for item in items]


@dataclass(frozen=True, slots=True)
class Grade:
    score: int  # percent right
    passed: bool
    right: tuple[bool, ...]  # per question


def grade(module: Module, answers: Sequence[int]) -> Grade:
    """The quiz graded: percent of questions answered with the right option (rounded down)."""
    right = tuple(
        index < len(answers) and answers[index] == question.answer
        for index, question in enumerate(module.questions)
    )
    score = 100 * sum(right) // len(module.questions)
    return Grade(score, score >= module.pass_mark, right)


def answer_problems(module: Module, answers: Sequence[int]) -> list[tuple[str, str]]:
    """(location, problem) for answers that are not one option per question."""
    if len(answers) != len(module.questions):
        return [("answers", f"expected {len(module.questions)} answers, got {len(answers)}")]
    return [
        (f"answers[{n}]", f"must be an option from 0 to {len(q.options) - 1}")
        for n, (q, a) in enumerate(zip(module.questions, answers, strict=True))
        if not 0 <= a < len(q.options)
    ]


def course_complete(course: Course, passed_modules: Iterable[str]) -> bool:
    return {m.id for m in course.modules} <= set(passed_modules)


def required_courses(courses: Iterable[Course], role: str) -> list[str]:
    return sorted(c.id for c in courses if c.required and role in c.roles)


def is_trained(required: Iterable[str], completed: Iterable[str]) -> bool:
    """A clinician counts as trained with every required course of the role completed (a role
    with no required course is not counted at all: see `required_courses`)."""
    needed = set(required)
    return bool(needed) and needed <= set(completed)


@dataclass(frozen=True, slots=True)
class PanelPatient:
    diabetes: bool
    hba1c: float | None  # latest, percent
    insulin: bool
    statin: bool


@dataclass(frozen=True, slots=True)
class Suggestion:
    course: str
    gap: str  # insulin | statin
    patients: int  # the patients the rule looked at
    share: float  # the share of them treated


def suggestions(panel: Sequence[PanelPatient], completed: Iterable[str]) -> list[Suggestion]:
    done = set(completed)
    found: list[Suggestion] = []
    diabetic = [p for p in panel if p.diabetes]
    poor = [p for p in diabetic if p.hba1c is not None and p.hba1c >= POOR_HBA1C]
    if len(poor) >= MIN_PANEL and "insulin-initiation" not in done:
        share = sum(p.insulin for p in poor) / len(poor)
        if share < INSULIN_SHARE:
            found.append(Suggestion("insulin-initiation", "insulin", len(poor), share))
    if len(diabetic) >= MIN_PANEL and "cv-risk-statins" not in done:
        share = sum(p.statin for p in diabetic) / len(diabetic)
        if share < STATIN_SHARE:
            found.append(Suggestion("cv-risk-statins", "statin", len(diabetic), share))
    return found
