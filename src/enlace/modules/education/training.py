"""Clinician continuing education: enrolment, graded module quizzes, course completion with its
certificate (certificates.py), progress, and who is trained per clinic and role.

Refusals (a FhirError naming the problem and where, nothing written): an unknown course or
module (404); a clinician whose roles the course is not for (400); answers for a course the
clinician is not enrolled in (409); a module already passed or a course already completed (409,
a duplicate completion); the module's attempts used up (409); answers that are not one option
per question (400).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from sqlalchemy import Connection, func, select, update

from enlace.kernel import errors
from enlace.store.repository import FhirRepository

from . import certificates
from .content import Course, catalogue
from .domain import Grade, answer_problems, course_complete, grade, is_trained, required_courses
from .roster import Clinician, roles_of, roster
from .tables import education_attempts as attempts
from .tables import education_enrolments as enrolments

YEAR_US = 365 * 24 * 3600 * 1_000_000


@dataclass(frozen=True, slots=True)
class Enrolment:
    practitioner: str
    course: str
    role: str
    clinic: str
    enrolled_us: int
    completed_us: int | None
    certificate: str | None


@dataclass(frozen=True, slots=True)
class Result:
    grade: Grade
    attempt: int
    attempts_left: int
    course_completed: bool
    certificate: str | None


def course(course_id: str) -> Course:
    found = catalogue().courses.get(course_id)
    if found is None:
        raise errors.not_found(f"No course '{course_id}'")
    return found


def enrol(
    conn: Connection, repo: FhirRepository, practitioner: str, course_id: str, now_us: int
) -> Enrolment:
    """Enrol the clinician (idempotent: an existing enrolment is returned as it stands)."""
    chosen = course(course_id)
    ident = certificates.practitioner_id(practitioner)
    existing = enrolment(conn, ident, course_id)
    if existing is not None:
        return existing
    fitting = [c for c in roles_of(conn, repo, ident) if c.role in chosen.roles]
    if not fitting:
        raise errors.bad_request(
            f"Practitioner/{ident} has no role the course '{course_id}' is for "
            f"({', '.join(chosen.roles)})",
            "practitioner",
        )
    made = Enrolment(ident, course_id, fitting[0].role, fitting[0].clinic, now_us, None, None)
    conn.execute(enrolments.insert().values(**dataclasses.asdict(made)))
    return made


def enrolment(conn: Connection, practitioner: str, course_id: str) -> Enrolment | None:
    c = enrolments.c
    row = (
        conn.execute(
            select(enrolments).where(c.practitioner == practitioner, c.course == course_id)
        )
        .mappings()
        .first()
    )
    return Enrolment(**row) if row else None


def enrolments_of(conn: Connection, practitioner: str) -> list[Enrolment]:
    query = select(enrolments).where(enrolments.c.practitioner == practitioner)
    return [
        Enrolment(**row) for row in conn.execute(query.order_by(enrolments.c.course)).mappings()
    ]


def passed_modules(conn: Connection, practitioner: str, course_id: str) -> set[str]:
    c = attempts.c
    query = select(c.module).where(c.practitioner == practitioner, c.course == course_id, c.passed)
    return set(conn.execute(query).scalars())


def attempts_used(conn: Connection, practitioner: str, course_id: str, module: str) -> int:
    c = attempts.c
    query = select(func.count()).where(
        c.practitioner == practitioner, c.course == course_id, c.module == module
    )
    return int(conn.execute(query).scalar_one())


def submit(
    conn: Connection,
    repo: FhirRepository,
    practitioner: str,
    course_id: str,
    module_id: str,
    answers: Sequence[int],
    now_us: int,
) -> Result:
    """Grade one attempt at a module's quiz and record it; complete the course (and record its
    certificate) when this was the last module to pass."""
    chosen = course(course_id)
    module = chosen.module(module_id)
    if module is None:
        raise errors.not_found(f"No module '{module_id}' in course '{course_id}'")
    ident = certificates.practitioner_id(practitioner)
    enrolled = enrolment(conn, ident, course_id)
    if enrolled is None:
        raise errors.error(409, "business-rule", f"Not enrolled in '{course_id}'", "course")
    if enrolled.completed_us is not None or module_id in passed_modules(conn, ident, course_id):
        raise errors.error(409, "duplicate", f"Module '{module_id}' is already passed", "module")
    used = attempts_used(conn, ident, course_id, module_id)
    if used >= module.max_attempts:
        raise errors.error(
            409, "business-rule", f"All {module.max_attempts} attempts are used", "module"
        )
    problems = answer_problems(module, answers)
    if problems:
        raise errors.FhirError(
            400, [errors.Issue("value", what, where) for where, what in problems]
        )
    result = grade(module, answers)
    conn.execute(
        attempts.insert().values(
            practitioner=ident,
            course=course_id,
            module=module_id,
            number=used + 1,
            score=result.score,
            passed=result.passed,
            answers=orjson.dumps(list(answers)).decode(),
            at_us=now_us,
        )
    )
    cert = None
    done = result.passed and course_complete(chosen, passed_modules(conn, ident, course_id))
    if done:
        cert = complete(conn, repo, ident, chosen, now_us)
    left = module.max_attempts - used - 1
    return Result(result, used + 1, left, done, cert)


def complete(
    conn: Connection, repo: FhirRepository, practitioner: str, chosen: Course, now_us: int
) -> str:
    """Mark the enrolment completed and record the certificate; a second completion is a 409."""
    enrolled = enrolment(conn, practitioner, chosen.id)
    if enrolled is None:
        raise errors.error(409, "business-rule", f"Not enrolled in '{chosen.id}'", "course")
    if enrolled.completed_us is not None:
        raise errors.error(409, "duplicate", f"Course '{chosen.id}' is already completed", "course")
    cert = certificates.record(
        conn, repo, f"Practitioner/{practitioner}", chosen, catalogue().issuer, now_us
    )
    c = enrolments.c
    conn.execute(
        update(enrolments)
        .where(c.practitioner == practitioner, c.course == chosen.id)
        .values(completed_us=now_us, certificate=cert)
    )
    return cert


def completed_courses(conn: Connection, practitioner: str) -> list[str]:
    return [e.course for e in enrolments_of(conn, practitioner) if e.completed_us is not None]


def trained_table(
    conn: Connection, repo: FhirRepository, as_of_us: int
) -> dict[tuple[str, str], tuple[int, int]]:
    """(clinic, role) -> (clinicians trained, clinicians) as of a time: trained means every
    required course of the role completed, its certificate still valid (valid_years)."""
    courses = catalogue().courses
    valid: defaultdict[str, set[str]] = defaultdict(set)
    for row in conn.execute(select(enrolments).where(enrolments.c.completed_us.is_not(None))):
        years = courses[row.course].valid_years if row.course in courses else 0
        if row.completed_us <= as_of_us < row.completed_us + years * YEAR_US:
            valid[row.practitioner].add(row.course)
    table: dict[tuple[str, str], tuple[int, int]] = {}
    for clinician in roster(conn, repo):
        required = required_courses(courses.values(), clinician.role)
        if not required:
            continue
        key = (clinician.clinic, clinician.role)
        trained, total = table.get(key, (0, 0))
        ok = is_trained(required, valid[clinician.practitioner])
        table[key] = (trained + ok, total + 1)
    return table


def trained_by_clinic(
    conn: Connection, repo: FhirRepository, as_of_us: int
) -> list[tuple[str, float, float]]:
    """The indicator `trained_clinicians`' rows: (clinic, trained, clinicians)."""
    totals: dict[str, tuple[int, int]] = {}
    for (clinic, _), (trained, total) in trained_table(conn, repo, as_of_us).items():
        before = totals.get(clinic, (0, 0))
        totals[clinic] = (before[0] + trained, before[1] + total)
    return [(c, float(t), float(n)) for c, (t, n) in sorted(totals.items())]


def clinicians(conn: Connection, repo: FhirRepository) -> list[Clinician]:
    return roster(conn, repo)
