"""The content files: the package's own load, and every refusal names its location."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from enlace.modules.education import content
from enlace.modules.education.content import ContentError, load, parse_courses, parse_library


def _raw(name: str) -> Any:
    return json.loads((content.CONTENT / name).read_text())


def _problems(exc: pytest.ExceptionInfo[ContentError]) -> dict[str | None, str]:
    return {issue.expression: issue.diagnostics for issue in exc.value.issues}


def test_the_package_content_loads_with_both_languages_and_reviews() -> None:
    loaded = load()
    assert {"t2d-new-1", "insulin-start", "hypo-after", "infusion-before"} <= set(loaded.items)
    for item in loaded.items.values():
        assert item.title.es and item.title.en and item.review.reviewer and item.review.source
        assert item.body and all(p.es and p.en for p in item.body)
    for course in loaded.courses.values():
        assert course.modules and all(m.questions for m in course.modules)
    weeks = [i.week for i in loaded.sequence("t2d", "new-diagnosis")]
    assert weeks == sorted(weeks) and len(weeks) >= 2


def test_a_library_item_missing_a_translation_is_refused_at_its_location() -> None:
    data = _raw("library.json")
    del data["items"][2]["title"]["en"]
    data["items"][4]["body"]["es-MX"] = []
    with pytest.raises(ContentError) as exc:
        parse_library(data)
    problems = _problems(exc)
    assert exc.value.status == 400
    assert "missing translation" in problems["items[2].title.en"]
    assert "missing translation" in problems["items[4].body.es-MX"]


def test_an_item_without_review_is_refused() -> None:
    data = _raw("library.json")
    del data["items"][0]["review"]["reviewer"]
    data["items"][1]["review"]["date"] = "ayer"
    with pytest.raises(ContentError) as exc:
        parse_library(data)
    problems = _problems(exc)
    assert "missing review" in problems["items[0].review.reviewer"]
    assert "not a date" in problems["items[1].review.date"]


def test_a_course_file_with_a_missing_translation_is_refused_as_a_whole() -> None:
    data = _raw("courses.json")
    question = data["courses"][0]["modules"][1]["questions"][0]
    del question["options"][1]["en"]
    data["courses"][1]["roles"] = ["surgeon"]
    with pytest.raises(ContentError) as exc:
        parse_courses(data)
    problems = _problems(exc)
    assert "courses[0].modules[1].questions[0].options[1].en" in problems
    assert "courses[1].roles" in problems


def test_a_quiz_answer_outside_its_options_is_refused() -> None:
    data = _raw("courses.json")
    bad = copy.deepcopy(data)
    bad["courses"][0]["modules"][0]["questions"][0]["answer"] = 7
    with pytest.raises(ContentError) as exc:
        parse_courses(bad)
    assert "courses[0].modules[0].questions[0].answer" in _problems(exc)


def test_load_refuses_a_directory_whose_file_is_not_json(tmp_path: Path) -> None:
    (tmp_path / "library.json").write_text("{ not json")
    (tmp_path / "courses.json").write_text(json.dumps(_raw("courses.json")))
    with pytest.raises(ContentError) as exc:
        load(tmp_path)
    assert exc.value.issues[0].expression == "library.json"
