"""Clinician training on both stores: enrolment, graded attempts, completion with its
certificate in Practitioner.qualification, the indicator's rows, and each refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.modules import education
from enlace.modules.education.certificates import CERTIFICATE_SYSTEM, COURSE_SYSTEM
from enlace.modules.education.domain import MIN_PANEL
from enlace.modules.education.tables import education_attempts, education_enrolments

from .support import CLINIC, NOON, pass_module, staff


def _enrol(services: Services, who: str, course: str) -> education.Enrolment:
    with services.db.begin() as conn:
        return education.enrol(conn, services.repo, who, course, NOON)


def _qualifications(services: Services, who: str) -> list[dict[str, object]]:
    with services.db.read() as conn:
        found = services.repo.read(conn, "Practitioner", who).resource()
    return list(found.get("qualification") or [])


def test_passing_every_module_completes_the_course_with_one_certificate(services: Services) -> None:
    staff(services)
    enrolled = _enrol(services, "pr-nurse", "dm2-care")
    assert (enrolled.role, enrolled.clinic) == ("nurse", CLINIC)
    first = pass_module(services, "pr-nurse", "dm2-care", "targets")
    assert first.grade.passed and not first.course_completed and first.certificate is None
    last = pass_module(services, "pr-nurse", "dm2-care", "therapy")
    assert last.course_completed and last.certificate
    held = _qualifications(services, "pr-nurse")
    assert len(held) == 1
    qualification = held[0]
    assert qualification["identifier"] == [
        {"system": CERTIFICATE_SYSTEM, "value": last.certificate}
    ]
    assert qualification["code"]["coding"][0] == {  # type: ignore[index]
        "system": COURSE_SYSTEM,
        "code": "dm2-care",
        "display": education.course("dm2-care").title.es,
    }
    assert qualification["period"] == {"start": "2026-03-10", "end": "2028-03-10"}
    assert qualification["issuer"] == {"display": education.catalogue().issuer}
    with services.db.read() as conn:
        assert education.enrolment(conn, "pr-nurse", "dm2-care").completed_us == NOON  # type: ignore[union-attr]


def test_a_failed_attempt_counts_and_the_attempts_run_out(services: Services) -> None:
    staff(services)
    _enrol(services, "pr-doc", "insulin-initiation")
    module = education.course("insulin-initiation").modules[0]
    wrong = [(q.answer + 1) % len(q.options) for q in module.questions]
    for number in range(1, module.max_attempts + 1):
        with services.db.begin() as conn:
            result = education.submit(
                conn, services.repo, "pr-doc", "insulin-initiation", module.id, wrong, NOON
            )
        assert (result.attempt, result.grade.passed) == (number, False)
    with pytest.raises(FhirError) as exc, services.db.begin() as conn:
        education.submit(
            conn, services.repo, "pr-doc", "insulin-initiation", module.id, wrong, NOON
        )
    assert exc.value.status == 409 and "attempts" in exc.value.message


def test_answers_for_a_course_not_enrolled_are_refused_and_nothing_written(
    services: Services,
) -> None:
    staff(services)
    with pytest.raises(FhirError) as exc:
        pass_module(services, "pr-doc", "dm2-care", "targets")
    assert exc.value.status == 409 and exc.value.issues[0].expression == "course"
    with services.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(education_attempts)).scalar() == 0


def test_a_duplicate_completion_is_refused(services: Services) -> None:
    staff(services)
    _enrol(services, "pr-chw", "htn-control")
    assert pass_module(services, "pr-chw", "htn-control", "measure").course_completed
    with pytest.raises(FhirError) as exc:
        pass_module(services, "pr-chw", "htn-control", "measure")
    assert exc.value.status == 409 and exc.value.issues[0].code == "duplicate"
    with pytest.raises(FhirError) as again, services.db.begin() as conn:
        education.complete(conn, services.repo, "pr-chw", education.course("htn-control"), NOON)
    assert again.value.status == 409
    assert len(_qualifications(services, "pr-chw")) == 1


def test_a_certificate_for_a_non_practitioner_is_refused(services: Services) -> None:
    staff(services)
    course = education.course("htn-control")
    with services.db.begin() as conn:
        services.repo.update(conn, {"resourceType": "Patient"}, "pt-9")
    for reference in ("Patient/pt-9", "Practitioner/nobody"):
        with pytest.raises(FhirError) as exc, services.db.begin() as conn:
            education.record_certificate(conn, services.repo, reference, course, "X", NOON)
        assert exc.value.status == 400 and exc.value.issues[0].expression == "practitioner"


def test_enrolment_needs_a_role_the_course_is_for(services: Services) -> None:
    staff(services)
    with pytest.raises(FhirError) as exc:
        _enrol(services, "pr-chw", "dm2-care")  # doctors and nurses only
    assert exc.value.status == 400 and "doctor, nurse" in exc.value.message
    with pytest.raises(FhirError) as unknown:
        _enrol(services, "pr-doc", "no-such-course")
    assert unknown.value.status == 404
    with services.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(education_enrolments)).scalar() == 0


def test_bad_answers_are_refused_at_their_location(services: Services) -> None:
    staff(services)
    _enrol(services, "pr-doc", "dm2-care")
    with pytest.raises(FhirError) as exc, services.db.begin() as conn:
        education.submit(conn, services.repo, "pr-doc", "dm2-care", "targets", [0, 5], NOON)
    assert exc.value.status == 400 and exc.value.issues[0].expression == "answers[1]"


def test_trained_clinicians_per_clinic_and_role(services: Services) -> None:
    staff(services)
    for course in ("htn-control", "community-screening"):
        _enrol(services, "pr-chw", course)
        for module in education.course(course).modules:
            pass_module(services, "pr-chw", course, module.id)
    with services.db.read() as conn:
        table = education.trained_table(conn, services.repo, NOON + 1)
        rows = education.trained_by_clinic(conn, services.repo, NOON + 1)
        before = education.trained_by_clinic(conn, services.repo, NOON - 1)
    assert table[(CLINIC, "chw")] == (1, 1)
    assert table[(CLINIC, "doctor")] == (0, 1) and table[(CLINIC, "nurse")] == (0, 1)
    assert rows == [(CLINIC, 1.0, 3.0)]
    assert before == [(CLINIC, 0.0, 3.0)]


def test_seed_is_idempotent(services: Services) -> None:
    staff(services)
    with services.db.begin() as conn:
        first = education.seed(conn, services.repo, NOON)
    with services.db.begin() as conn:
        second = education.seed(conn, services.repo, NOON)
    assert first.clinicians == 3
    # pr-doc and pr-chw fall in the completing share (seed.bucket), pr-nurse in neither
    courses = education.catalogue().courses.values()
    expected = sum(role in c.roles for c in courses for role in ("doctor", "chw"))
    assert first.enrolments == expected and first.completed == expected
    assert (second.enrolments, second.modules_passed, second.completed) == (0, 0, 0)


def _prescribe(services: Services, patient: str, medicine: str, hba1c: float) -> None:
    reason = {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "E11.9"}]}
    with services.db.begin() as conn:
        services.repo.update(conn, {"resourceType": "Patient"}, patient)
        request = {
            "resourceType": "MedicationRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": f"Patient/{patient}"},
            "requester": {"reference": "Practitioner/pr-doc"},
            "reasonCode": [reason],
            "medicationReference": {"reference": f"Medication/med-{medicine}"},
        }
        services.repo.create(conn, request)
        observation = {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
            "subject": {"reference": f"Patient/{patient}"},
            "effectiveDateTime": "2026-03-01",
            "valueQuantity": {"value": hba1c, "unit": "%"},
        }
        services.repo.create(conn, observation)


def test_a_panel_with_poor_control_and_no_insulin_suggests_courses(services: Services) -> None:
    staff(services)
    for n in range(MIN_PANEL):
        _prescribe(services, f"pt-{n}", "metformin-850-tab", 10.5)
    with services.db.read() as conn:
        found = education.suggest(conn, services.repo, "pr-doc")
    assert [(s.course, s.patients, s.share) for s in found] == [
        ("insulin-initiation", MIN_PANEL, 0.0),
        ("cv-risk-statins", MIN_PANEL, 0.0),
    ]
    _prescribe(services, "pt-0", "insulin-glargine-100-pen", 10.5)
    _prescribe(services, "pt-1", "insulin-glargine-100-pen", 10.5)
    with services.db.read() as conn:
        after = education.suggest(conn, services.repo, "Practitioner/pr-doc")
    assert [s.course for s in after] == ["cv-risk-statins"]  # 2 of 5 on insulin: 40 % >= 30 %
