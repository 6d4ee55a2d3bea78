"""Education (issue 16 parts 3 and 4): the patient education library, scheduled by the care plan
and triggered by events, delivered through messaging and followed; clinician continuing
education (courses per role, graded modules, certificates as Practitioner.qualification), the
indicator "clinicians with completed training" and course suggestions (docs/education.md).

Public API: `catalogue` / `load` (the validated content, `ContentError`), patient deliveries
(`schedule_sequence`, `trigger`, `send_due`, `mark`, `deliveries_of`, `get_delivery`), the daily
`run` job, training (`enrol`, `submit`, `complete`, `enrolments_of`, `passed_modules`,
`trained_table`, `trained_by_clinic`, `record_certificate`), `suggest`, `seed`.
"""

from __future__ import annotations

from enlace.modules.education.certificates import record as record_certificate
from enlace.modules.education.content import (
    LANGUAGES,
    Catalogue,
    ContentError,
    Course,
    Item,
    Module,
    Question,
    Text,
    catalogue,
    load,
)
from enlace.modules.education.domain import (
    Grade,
    Suggestion,
    delivery_of_link,
    link_key,
    link_token,
)
from enlace.modules.education.patient import (
    EVENTS,
    Delivery,
    deliveries_of,
    mark,
    schedule_sequence,
    send_due,
    trigger,
)
from enlace.modules.education.patient import get as get_delivery
from enlace.modules.education.roster import Clinician, roster
from enlace.modules.education.seed import SeedReport, seed
from enlace.modules.education.service import JobReport, run, suggest
from enlace.modules.education.training import (
    Enrolment,
    Result,
    attempts_used,
    complete,
    course,
    enrol,
    enrolment,
    enrolments_of,
    passed_modules,
    submit,
    trained_by_clinic,
    trained_table,
)

__all__ = [
    "EVENTS",
    "LANGUAGES",
    "Catalogue",
    "Clinician",
    "ContentError",
    "Course",
    "Delivery",
    "Enrolment",
    "Grade",
    "Item",
    "JobReport",
    "Module",
    "Question",
    "Result",
    "SeedReport",
    "Suggestion",
    "Text",
    "attempts_used",
    "catalogue",
    "complete",
    "course",
    "deliveries_of",
    "delivery_of_link",
    "enrol",
    "enrolment",
    "enrolments_of",
    "get_delivery",
    "link_key",
    "link_token",
    "load",
    "mark",
    "passed_modules",
    "record_certificate",
    "roster",
    "run",
    "schedule_sequence",
    "seed",
    "send_due",
    "submit",
    "suggest",
    "trained_by_clinic",
    "trained_table",
    "trigger",
]
