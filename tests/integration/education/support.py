"""Shared by the education integration tests: a clinic with a doctor, a nurse and a CHW, and a
patient who opted in to SMS."""

from __future__ import annotations

from datetime import UTC, datetime

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules import education, messaging

NOON = epoch_us(datetime(2026, 3, 10, 18, 0, tzinfo=UTC))  # 12:00 in Mexico City
DAY = 24 * 3600 * 1_000_000
CLINIC = "org-clinic-test"
STAFF = {"pr-doc": "doctor", "pr-nurse": "nurse", "pr-chw": "chw"}


def staff(services: Services) -> None:
    with services.db.begin() as conn:
        for ident, role in STAFF.items():
            practitioner = {
                "resourceType": "Practitioner",
                "active": True,
                "name": [{"family": ident}],
            }
            services.repo.update(conn, practitioner, ident)
            services.repo.update(
                conn,
                {
                    "resourceType": "PractitionerRole",
                    "active": True,
                    "practitioner": {"reference": f"Practitioner/{ident}"},
                    "organization": {"reference": f"Organization/{CLINIC}"},
                    "code": [{"coding": [{"code": role}]}],
                },
                "prr-" + ident,
            )


def opted_in_patient(services: Services, name: str = "pt-1") -> str:
    with services.db.begin() as conn:
        services.repo.update(conn, {"resourceType": "Patient", "gender": "female"}, name)
        messaging.set_preference(conn, name, "sms", "+525512345678", NOON - DAY)
        messaging.grant(conn, name, "sms", "Clínica Enlace", "formato firmado", NOON - DAY)
    return name


def pass_module(services: Services, who: str, course: str, module: str) -> education.Result:
    found = education.course(course).module(module)
    assert found is not None
    right = [q.answer for q in found.questions]
    with services.db.begin() as conn:
        return education.submit(conn, services.repo, who, course, module, right, NOON)
