"""Education's pure rules: due times, grading, completion, trained, suggestions."""

from __future__ import annotations

import itertools

from enlace.modules.education import catalogue
from enlace.modules.education.domain import (
    MIN_PANEL,
    WEEK_US,
    PanelPatient,
    answer_problems,
    course_complete,
    due_times,
    grade,
    is_trained,
    required_courses,
    suggestions,
)


def test_a_sequence_falls_due_week_by_week_from_its_start() -> None:
    items = catalogue().sequence("t2d", "new-diagnosis")
    start = 1_000 * WEEK_US
    due = due_times(start, items, start)
    assert [d for _, d in due] == [start + i.week * WEEK_US for i in items]


def test_a_sequence_found_late_starts_now_and_keeps_its_spacing() -> None:
    items = catalogue().sequence("t2d", "new-diagnosis")
    start, now = 1_000 * WEEK_US, 1_010 * WEEK_US
    due = [d for _, d in due_times(start, items, now)]
    assert due[0] == now
    assert [b - a for a, b in itertools.pairwise(due)] == [
        (b.week - a.week) * WEEK_US for a, b in itertools.pairwise(items)
    ]


def test_grading_counts_right_answers_against_the_pass_mark() -> None:
    module = catalogue().courses["dm2-care"].modules[0]
    right = [q.answer for q in module.questions]
    assert grade(module, right).passed and grade(module, right).score == 100
    wrong = [(q.answer + 1) % len(q.options) for q in module.questions]
    half = [right[0], *wrong[1:]]
    assert grade(module, wrong).score == 0 and not grade(module, wrong).passed
    assert grade(module, half).score == 100 * 1 // len(module.questions)
    assert grade(module, half).passed == (grade(module, half).score >= module.pass_mark)


def test_answers_must_be_one_option_per_question() -> None:
    module = catalogue().courses["dm2-care"].modules[0]
    assert answer_problems(module, [0])[0][0] == "answers"
    problems = answer_problems(module, [0, 9])
    assert problems == [("answers[1]", "must be an option from 0 to 1")]


def test_a_course_is_complete_when_every_module_is_passed() -> None:
    course = catalogue().courses["dm2-care"]
    ids = [m.id for m in course.modules]
    assert not course_complete(course, ids[:1])
    assert course_complete(course, ids)


def test_trained_means_every_required_course_of_the_role() -> None:
    courses = catalogue().courses.values()
    nurse = required_courses(courses, "nurse")
    assert set(nurse) == {"dm2-care", "htn-control", "community-screening"}
    assert is_trained(nurse, [*nurse, "insulin-initiation"])
    assert not is_trained(nurse, nurse[:-1])
    assert not is_trained([], [])  # nothing required: not counted as trained


def _patients(count: int, **kind: object) -> list[PanelPatient]:
    base = {"diabetes": True, "hba1c": 10.2, "insulin": False, "statin": False}
    return [PanelPatient(**{**base, **kind}) for _ in range(count)]  # type: ignore[arg-type]


def test_poor_control_without_insulin_suggests_the_insulin_course() -> None:
    found = suggestions(_patients(MIN_PANEL), [])
    assert [s.course for s in found] == ["insulin-initiation", "cv-risk-statins"]
    assert found[0].patients == MIN_PANEL and found[0].share == 0.0


def test_no_suggestion_below_the_panel_minimum_or_when_treated_or_done() -> None:
    assert suggestions(_patients(MIN_PANEL - 1), []) == []
    treated = _patients(MIN_PANEL, insulin=True, statin=True)
    assert suggestions(treated, []) == []
    controlled = _patients(MIN_PANEL, hba1c=6.8, statin=True)
    assert suggestions(controlled, []) == []
    done = suggestions(_patients(MIN_PANEL), ["insulin-initiation", "cv-risk-statins"])
    assert done == []
