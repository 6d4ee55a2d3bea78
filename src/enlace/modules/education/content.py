"""The education content as data: the patient library (content/library.json) and the clinicians'
courses (content/courses.json), loaded and validated before anything uses them.

Every text is given in both languages (es-MX and en) and every item and course carries its review
(reviewer, ISO date, source). A file missing any of these is refused as a whole: `ContentError`
lists each problem with its location (`items[3].title.en`), so nothing half-translated or
unreviewed reaches a patient or a clinician.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from enlace.kernel import errors

LANGUAGES = ("es-MX", "en")
CONTENT = Path(__file__).parent / "content"
CONDITIONS = ("t2d", "hypertension", "ckd", "biologic")
STAGES = ("new-diagnosis", "starting-insulin", "after-hypoglycaemia", "before-infusion")
ROLES = ("doctor", "nurse", "pharmacist", "chw")


class ContentError(errors.FhirError):
    """A content file that cannot be used: status 400, one issue per problem, located."""


@dataclass(frozen=True, slots=True)
class Text:
    es: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language.startswith("en") else self.es


@dataclass(frozen=True, slots=True)
class Review:
    reviewer: str
    date: date
    source: str


@dataclass(frozen=True, slots=True)
class Question:
    question: Text
    options: tuple[Text, ...]
    answer: int  # index into options


@dataclass(frozen=True, slots=True)
class Item:
    """One patient education item: a short message (SMS) and the page it links to."""

    id: str
    condition: str
    stage: str
    week: int  # weeks after the start of its sequence
    title: Text
    message: Text
    body: tuple[Text, ...]
    quiz: Question | None
    review: Review


@dataclass(frozen=True, slots=True)
class Module:
    id: str
    title: Text
    body: tuple[Text, ...]
    questions: tuple[Question, ...]
    pass_mark: int  # percent of questions right
    max_attempts: int


@dataclass(frozen=True, slots=True)
class Course:
    id: str
    roles: tuple[str, ...]
    required: bool  # required of every clinician of its roles (the indicator counts these)
    valid_years: int
    title: Text
    modules: tuple[Module, ...]
    review: Review

    def module(self, module_id: str) -> Module | None:
        return next((m for m in self.modules if m.id == module_id), None)


@dataclass(frozen=True, slots=True)
class Catalogue:
    items: dict[str, Item]
    courses: dict[str, Course]
    issuer: str

    def sequence(self, condition: str, stage: str) -> list[Item]:
        found = [i for i in self.items.values() if i.condition == condition and i.stage == stage]
        return sorted(found, key=lambda i: (i.week, i.id))


class _Problems:
    """Collects located problems while a file is read; raises them all at the end."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[errors.Issue] = []

    def add(self, where: str, what: str, code: str = "invalid") -> None:
        self.issues.append(errors.Issue(code, f"{self.file}: {what}", where))

    def text(self, raw: Any, where: str) -> Text:
        if not isinstance(raw, dict):
            self.add(where, "must be an object with es-MX and en", "required")
            return Text("", "")
        for language in LANGUAGES:
            value = raw.get(language)
            if not isinstance(value, str) or not value.strip():
                self.add(f"{where}.{language}", "missing translation", "required")
        return Text(str(raw.get("es-MX", "")), str(raw.get("en", "")))

    def texts(self, raw: Any, where: str) -> tuple[Text, ...]:
        if not isinstance(raw, dict):
            self.add(where, "must be an object with es-MX and en lists", "required")
            return ()
        lists = [raw.get(lang) for lang in LANGUAGES]
        for language, value in zip(LANGUAGES, lists, strict=True):
            if not isinstance(value, list) or not value:
                self.add(f"{where}.{language}", "missing translation", "required")
        es, en = (v if isinstance(v, list) else [] for v in lists)
        if len(es) != len(en):
            self.add(where, "es-MX and en have different numbers of paragraphs")
        return tuple(Text(str(a), str(b)) for a, b in zip(es, en, strict=False))

    def review(self, raw: Any, where: str) -> Review:
        raw = raw if isinstance(raw, dict) else {}
        for key in ("reviewer", "date", "source"):
            if not str(raw.get(key) or "").strip():
                self.add(f"{where}.{key}", "missing review", "required")
        try:
            reviewed = date.fromisoformat(str(raw.get("date")))
        except ValueError:
            if raw.get("date"):
                self.add(f"{where}.date", "not a date (YYYY-MM-DD)")
            reviewed = date.min
        return Review(str(raw.get("reviewer", "")), reviewed, str(raw.get("source", "")))

    def question(self, raw: Any, where: str) -> Question:
        raw = raw if isinstance(raw, dict) else {}
        options = raw.get("options") if isinstance(raw.get("options"), list) else []
        if len(options) < 2:
            self.add(f"{where}.options", "needs at least two options")
        answer = raw.get("answer")
        if not isinstance(answer, int) or not 0 <= answer < len(options):
            self.add(f"{where}.answer", "must be the index of one option")
            answer = 0
        return Question(
            self.text(raw.get("question"), f"{where}.question"),
            tuple(self.text(o, f"{where}.options[{n}]") for n, o in enumerate(options)),
            answer,
        )

    def raise_if_any(self) -> None:
        if self.issues:
            raise ContentError(400, self.issues)


def parse_library(data: Any, file: str = "library.json") -> dict[str, Item]:
    check = _Problems(file)
    found = data.get("items") if isinstance(data, dict) else None
    raw_items: list[Any] = found if isinstance(found, list) else []
    if not isinstance(found, list):
        check.add("items", "missing list of items", "required")
    items: dict[str, Item] = {}
    for n, raw in enumerate(raw_items):
        where = f"items[{n}]"
        raw = raw if isinstance(raw, dict) else {}
        item_id = str(raw.get("id") or "")
        if not item_id or item_id in items:
            check.add(f"{where}.id", "missing or repeated id")
        if raw.get("condition") not in CONDITIONS:
            check.add(f"{where}.condition", f"must be one of {', '.join(CONDITIONS)}")
        if raw.get("stage") not in STAGES:
            check.add(f"{where}.stage", f"must be one of {', '.join(STAGES)}")
        week = raw.get("week")
        if not isinstance(week, int) or week < 0:
            check.add(f"{where}.week", "must be a whole number of weeks, 0 or more")
        quiz = raw.get("quiz")
        items[item_id] = Item(
            item_id,
            str(raw.get("condition")),
            str(raw.get("stage")),
            week if isinstance(week, int) else 0,
            check.text(raw.get("title"), f"{where}.title"),
            check.text(raw.get("message"), f"{where}.message"),
            check.texts(raw.get("body"), f"{where}.body"),
            check.question(quiz, f"{where}.quiz") if quiz is not None else None,
            check.review(raw.get("review"), f"{where}.review"),
        )
    check.raise_if_any()
    return items


def _module(check: _Problems, raw: Any, where: str) -> Module:
    raw = raw if isinstance(raw, dict) else {}
    questions = raw.get("questions") if isinstance(raw.get("questions"), list) else []
    if not questions:
        check.add(f"{where}.questions", "a module needs at least one question", "required")
    pass_mark, attempts = raw.get("pass_mark"), raw.get("max_attempts")
    if not isinstance(pass_mark, int) or not 1 <= pass_mark <= 100:
        check.add(f"{where}.pass_mark", "must be a percent from 1 to 100")
    if not isinstance(attempts, int) or attempts < 1:
        check.add(f"{where}.max_attempts", "must be 1 or more")
    return Module(
        str(raw.get("id") or ""),
        check.text(raw.get("title"), f"{where}.title"),
        check.texts(raw.get("body"), f"{where}.body"),
        tuple(check.question(q, f"{where}.questions[{n}]") for n, q in enumerate(questions)),
        pass_mark if isinstance(pass_mark, int) else 100,
        attempts if isinstance(attempts, int) else 1,
    )


def parse_courses(data: Any, file: str = "courses.json") -> tuple[dict[str, Course], str]:
    check = _Problems(file)
    data = data if isinstance(data, dict) else {}
    raw_courses = data.get("courses") if isinstance(data.get("courses"), list) else []
    if not raw_courses:
        check.add("courses", "missing list of courses", "required")
    issuer = str(data.get("issuer") or "")
    if not issuer:
        check.add("issuer", "missing issuer of the certificates", "required")
    courses: dict[str, Course] = {}
    for n, raw in enumerate(raw_courses):
        where = f"courses[{n}]"
        raw = raw if isinstance(raw, dict) else {}
        course_id = str(raw.get("id") or "")
        if not course_id or course_id in courses:
            check.add(f"{where}.id", "missing or repeated id")
        roles: list[Any] = _list(raw.get("roles"))
        if not roles or any(r not in ROLES for r in roles):
            check.add(f"{where}.roles", f"must be some of {', '.join(ROLES)}")
        modules: list[Any] = _list(raw.get("modules"))
        if not modules:
            check.add(f"{where}.modules", "a course needs at least one module", "required")
        parsed = tuple(_module(check, m, f"{where}.modules[{i}]") for i, m in enumerate(modules))
        if len({m.id for m in parsed}) != len(parsed) or any(not m.id for m in parsed):
            check.add(f"{where}.modules", "module ids must be present and distinct")
        courses[course_id] = Course(
            course_id,
            tuple(str(r) for r in roles),
            bool(raw.get("required")),
            int(raw.get("valid_years") or 2),
            check.text(raw.get("title"), f"{where}.title"),
            parsed,
            check.review(raw.get("review"), f"{where}.review"),
        )
    check.raise_if_any()
    return courses, issuer


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def read_json(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ContentError(
            400, [errors.Issue("structure", f"{path.name}: {exc}", path.name)]
        ) from exc


def load(directory: Path = CONTENT) -> Catalogue:
    """Both files of `directory`, validated (ContentError naming every problem)."""
    items = parse_library(read_json(directory / "library.json"))
    courses, issuer = parse_courses(read_json(directory / "courses.json"))
    return Catalogue(items, courses, issuer)


@functools.cache
def catalogue() -> Catalogue:
    """The package's own content, loaded once per process."""
    return load()
