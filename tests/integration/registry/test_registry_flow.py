"""Registry cases flow by subscription, end to end (SQLite and PostgreSQL): a Condition C50.9
recorded at an institution becomes a cancer case that reaches the registry's endpoint (a real
local receiver) without manual work; its update is notified as an update; a diabetes
Condition is no case; completeness and timeliness per institution follow."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.kernel.errors import FhirError
from enlace.modules import registry, subscriptions
from tests.integration.subscriptions.receiver import receiver
from tests.integration.subscriptions.test_rest_hook import BASE, body_of, call

T0 = epoch_us(datetime(2026, 1, 2, tzinfo=UTC))
S = 1_000_000
DAY = 86_400 * S


def condition(code: str, institution: str, patient: str = "p1") -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "meta": {"source": f"http://{institution}.mx"},
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": code}]},
        "subject": {"reference": f"Patient/{patient}"},
    }


def run(services: Services, at_us: int) -> subscriptions.PassReport:
    post = subscriptions.http_post()
    return subscriptions.run_once(services.db, services.repo, post, at_us, base=BASE)


def test_cancer_case_created_and_updated_reaches_the_registry(services: Services) -> None:
    with receiver() as hook:
        with services.db.begin() as conn:
            registry.connect(conn, services.repo, "cancer", hook.url, allow_http=True)
        run(services, T0)
        assert hook.kinds() == ["handshake"]

        created = call(services, "POST", "Condition", condition("C50.9", "hospital-a"))
        case_id = body_of(created)["id"]
        call(services, "POST", "Condition", condition("E11.9", "hospital-a"))  # diabetes: no case
        run(services, T0 + S)
        assert hook.kinds() == ["handshake", "event-notification"]
        assert hook.foci()[1] == [f"Condition/{case_id}"]
        entry = hook.received[1]["entry"][1]
        assert entry["request"] == {"method": "POST", "url": "Condition"}
        assert entry["resource"]["code"]["coding"][0]["code"] == "C50.9"

        updated = {**body_of(created), "note": [{"text": "estadio II"}]}
        assert call(services, "PUT", f"Condition/{case_id}", updated).status == 200
        run(services, T0 + 2 * S)
        assert hook.foci()[2] == [f"Condition/{case_id}"]
        entry = hook.received[2]["entry"][1]
        assert entry["request"] == {"method": "PUT", "url": f"Condition/{case_id}"}
        assert entry["resource"]["note"] == [{"text": "estadio II"}]


def test_completeness_and_timeliness_per_institution(services: Services) -> None:
    with receiver() as hook:
        with services.db.begin() as conn:
            registry.connect(conn, services.repo, "cancer", hook.url, allow_http=True)
        run(services, T0)
        for code, org in [("C18.7", "hospital-a"), ("D05.1", "hospital-a"), ("C61", "clinic-b")]:
            assert call(services, "POST", "Condition", condition(code, org)).status == 201
        hook.answers = [500]  # the one bundle fails once, then all three arrive
        run(services, T0 + S)
        run(services, T0 + 40 * DAY)  # retried 40 days later: late
        assert registry.select_cases(services.db, services.repo, T0 + 40 * DAY) == 3
        figures = {f.institution: f for f in registry.indicators(services.db, "cancer")}
        a, b = figures["http://hospital-a.mx"], figures["http://clinic-b.mx"]
        assert (a.cases, a.reported, a.completeness) == (2, 2, 1.0)
        assert (b.cases, b.reported) == (1, 1)
        # recorded on 2026-01-01 (the test clock), delivered 40 days after 2026-01-02: 41 days
        assert a.median_days_to_report == pytest.approx(41.0, abs=0.01)
        assert a.timeliness == 0.0  # none within 30 days


def test_connect_refuses_unknown_registry_and_plain_http_in_production(services: Services) -> None:
    with services.db.begin() as conn, pytest.raises(FhirError) as unknown:
        registry.connect(conn, services.repo, "diabetes", "https://r.test/", allow_http=True)
    assert unknown.value.issues[0].expression == "registry"
    with services.db.begin() as conn, pytest.raises(FhirError) as plain:
        registry.connect(conn, services.repo, "cancer", "http://r.test/", allow_http=False)
    assert plain.value.issues[0].expression == "Subscription.channel.endpoint"
