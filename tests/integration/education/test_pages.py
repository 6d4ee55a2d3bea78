"""The education pages over HTTP on both stores: a nurse takes a module and earns the
certificate, answers for a course she is not enrolled in get the 400 page; a patient opens the
SMS link, reads and answers; the care team sees what was sent and read; the clinic view."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.modules import education
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

from .support import CLINIC, NOON, opted_in_patient, staff

__all__ = ["cheap_hasher"]


def csrf(text: str) -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', text)
    assert token is not None
    return token.group(1)


def test_a_nurse_takes_a_module_to_her_certificate(client: TestClient, services: Services) -> None:
    staff(services)
    sign_in_as(services, client, "enf.ana", "nurse", fhir_user="Practitioner/pr-nurse")
    page = client.get("/training")
    assert page.status_code == 200 and 'id="enrol-htn-control"' in page.text
    assert 'id="enrol-pharmacy-counselling"' not in page.text  # not a nurse's course
    module = education.course("htn-control").modules[0]
    right = {f"q{n}": str(q.answer) for n, q in enumerate(module.questions)}
    refused = client.post(
        f"/training/htn-control/{module.id}", data={"csrf": csrf(page.text), **right}
    )
    assert refused.status_code == 400 and 'id="problem"' in refused.text  # not enrolled
    enrolled = client.post(
        "/training/enrol",
        data={"csrf": csrf(page.text), "course": "htn-control"},
        follow_redirects=False,
    )
    assert enrolled.status_code == 303
    assert 'href="/training/htn-control/measure"' in client.get("/training").text
    form = client.get(f"/training/htn-control/{module.id}")
    assert form.status_code == 200 and 'id="quiz"' in form.text
    wrong = {k: str((int(v) + 1) % 2) for k, v in right.items()}
    failed = client.post(
        f"/training/htn-control/{module.id}", data={"csrf": csrf(form.text), **wrong}
    )
    assert (
        failed.status_code == 200 and "0 %" in failed.text and 'id="certificate"' not in failed.text
    )
    passed = client.post(
        f"/training/htn-control/{module.id}", data={"csrf": csrf(form.text), **right}
    )
    assert passed.status_code == 200 and 'id="certificate"' in passed.text
    again = client.post(
        f"/training/htn-control/{module.id}", data={"csrf": csrf(form.text), **right}
    )
    assert again.status_code == 400  # a duplicate completion
    with services.db.read() as conn:
        held = services.repo.read(conn, "Practitioner", "pr-nurse").resource()["qualification"]
    assert [q["code"]["coding"][0]["code"] for q in held] == ["htn-control"]
    sign_in_as(services, client, "admin.1", "administrator")
    clinics = client.get("/training/clinics")
    assert clinics.status_code == 200 and CLINIC in clinics.text


def test_a_patient_reads_from_the_sms_link_and_the_team_sees_it(
    client: TestClient, services: Services
) -> None:
    patient = opted_in_patient(services)
    key = education.link_key(services.settings.secret_key)
    with services.db.begin() as conn:
        (delivery,) = education.trigger(conn, patient, "hypoglycaemia", "Flag/f1", NOON)
        education.send_due(conn, NOON, "http://testserver", key)
    link = education.link_token(key, delivery)
    page = client.get(f"/learn/hypo-after?d={link}")  # no sign-in: a phone opening the SMS
    assert page.status_code == 200 and "Regla 15-15" in page.text and 'id="quiz"' in page.text
    quiz = education.catalogue().items["hypo-after"].quiz
    assert quiz is not None
    answered = client.post(
        "/learn/hypo-after",
        data={"csrf": csrf(page.text), "d": link, "answer": str(quiz.answer)},
    )
    assert answered.status_code == 200 and 'id="quiz-result"' in answered.text
    bad = client.post("/learn/hypo-after", data={"csrf": csrf(page.text), "d": link, "answer": "9"})
    assert bad.status_code == 400
    assert client.get("/learn/no-such-item").status_code == 404
    english = client.get("/learn/hypo-after?lang=en")
    assert "The 15-15 rule" in english.text
    sign_in_as(services, client, "dra.ruiz", "physician", fhir_user="Practitioner/pr-doc")
    seen = client.get(f"/education/patients/{patient}")
    assert seen.status_code == 200 and 'id="row-hypo-after"' in seen.text
    assert client.get("/education/patients/nobody").status_code == 404
    row = seen.text.split('id="row-hypo-after"')[1].split("</tr>")[0]
    assert row.count("✓") == 3  # opened, finished, quiz right
    sign_in_as(services, client, "pac.1", "patient", patients=(patient,))
    mine = client.get("/learn")
    assert mine.status_code == 200 and f"/learn/hypo-after?d={link}" in mine.text
    assert client.get(f"/education/patients/{patient}").status_code == 403
