"""`enlace education seed`: the demo's clinicians enrolled in their roles' courses, some of them
through to the certificate, so the indicator and the pages have numbers to show.

Deterministic and idempotent: each clinician's share comes from a hash of the Practitioner id
(COMPLETE_PERCENT of them complete every course of their role, the next IN_PROGRESS_PERCENT
pass the first module only, the rest are not enrolled); modules are passed through `submit`
with the right answers, like a clinician would, and what is already done is skipped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Connection

from enlace.store.repository import FhirRepository

from . import training
from .content import catalogue
from .roster import roster

COMPLETE_PERCENT = 55
IN_PROGRESS_PERCENT = 25


@dataclass(frozen=True, slots=True)
class SeedReport:
    clinicians: int
    enrolments: int
    modules_passed: int
    completed: int


def bucket(practitioner: str) -> int:
    return int(hashlib.sha256(f"seed:{practitioner}".encode()).hexdigest()[:8], 16) % 100


def seed(conn: Connection, repo: FhirRepository, now_us: int) -> SeedReport:
    courses = catalogue().courses.values()
    staff = roster(conn, repo)
    enrolled = passed = completed = 0
    for clinician in staff:
        share = bucket(clinician.practitioner)
        if share >= COMPLETE_PERCENT + IN_PROGRESS_PERCENT:
            continue
        for course in (c for c in courses if clinician.role in c.roles):
            before = training.enrolment(conn, clinician.practitioner, course.id)
            training.enrol(conn, repo, clinician.practitioner, course.id, now_us)
            enrolled += before is None
            modules = course.modules if share < COMPLETE_PERCENT else course.modules[:1]
            done = training.passed_modules(conn, clinician.practitioner, course.id)
            for module in modules:
                if module.id in done:
                    continue
                right = [q.answer for q in module.questions]
                result = training.submit(
                    conn, repo, clinician.practitioner, course.id, module.id, right, now_us
                )
                passed += 1
                completed += result.course_completed
    return SeedReport(len(staff), enrolled, passed, completed)
