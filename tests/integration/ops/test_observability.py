"""/metrics on both stores: each metric moves when its thing happens; no PHI, route templates,
protected in production; readyz checks migrations, outbox lag and the scheduler heartbeat."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

from fastapi import Request
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from enlace.entrypoints.http import observability
from enlace.entrypoints.http.app import create_app
from enlace.interactions import scheduler
from enlace.interactions.context import Services
from enlace.interactions.scheduler import Job, Outcome
from enlace.kernel.clock import epoch_us, system_clock
from enlace.modules import messaging
from enlace.modules.monitoring import ingest
from enlace.store import job_leases
from tests.integration.monitoring.alert_support import care_world
from tests.integration.monitoring.device_support import bp, compact, new_device
from tests.support.messages import REMINDER_PARAMS

TOKEN = "a-metrics-token-long-enough-1234"
DAY = 24 * 3600 * 1_000_000
JOB = Job("metrics-job", "0 2 * * *", ("version",), "a test job", lease_minutes=1)
PARAMS = REMINDER_PARAMS


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client: TestClient, **headers: str) -> str:
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.text


def gauge(text: str, name: str, **labels: str) -> float:
    shown = ",".join(f'{k}="{v}"' for k, v in labels.items())
    braces = "{" + shown + "}" if shown else ""
    match = re.search(rf"^{name}{re.escape(braces)} (\S+)$", text, re.M)
    assert match, f"{name} {labels} not in /metrics"
    return float(match.group(1))


def test_requests_are_counted_and_timed_by_route_template(
    client: TestClient, services: Services
) -> None:
    created = client.post("/fhir/Patient", json={"resourceType": "Patient", "gender": "female"})
    pid = created.json()["id"]
    route = {"method": "GET", "route": "/fhir/Patient/{id}"}
    before = sample("enlace_http_requests_total", status="200", **route)
    timed = sample("enlace_http_request_duration_seconds_count", **route)
    assert client.get(f"/fhir/Patient/{pid}").status_code == 200
    assert client.get(f"/fhir/Patient/{pid}").status_code == 200
    assert sample("enlace_http_requests_total", status="200", **route) == before + 2
    assert sample("enlace_http_request_duration_seconds_count", **route) == timed + 2
    missing = sample(
        "enlace_http_requests_total", method="GET", route="/fhir/Patient/{id}", status="404"
    )
    assert client.get("/fhir/Patient/nobody-here").status_code == 404
    assert (
        sample("enlace_http_requests_total", method="GET", route="/fhir/Patient/{id}", status="404")
        == missing + 1
    )
    text = scrape(client)
    assert pid not in text and "nobody-here" not in text  # ids never become labels


def test_pages_use_their_route_and_strangers_share_one_label(client: TestClient) -> None:
    health = sample("enlace_http_requests_total", method="GET", route="/healthz", status="200")
    client.get("/healthz")
    assert (
        sample("enlace_http_requests_total", method="GET", route="/healthz", status="200")
        == health + 1
    )
    stray = sample("enlace_http_requests_total", method="GET", route="unmatched", status="404")
    client.get("/no/such/page/12345")
    client.get("/fhir/NotAType/1/$hack")
    assert (
        sample("enlace_http_requests_total", method="GET", route="unmatched", status="404")
        == stray + 1
    )
    assert "/no/such/page" not in scrape(client)
    assert "NotAType" not in scrape(client) and "$hack" not in scrape(client)


def test_database_pool_gauges_follow_the_requests(client: TestClient, services: Services) -> None:
    client.get("/fhir/Patient")
    if services.db.dialect == "postgresql":
        text = scrape(client)
        assert gauge(text, "enlace_db_pool_connections", engine="write", state="size") >= 1
        assert gauge(text, "enlace_db_pool_connections", engine="read", state="checked_out") == 0


def test_ingestion_and_alert_latency_move_with_readings(services: Services) -> None:
    patient = care_world(services, "p-metrics")
    device, key = new_device(services, patient)
    readings = sample("enlace_ingested_readings_total", source="http")
    alerts = sample("enlace_alert_latency_seconds_count")
    result = ingest.ingest(
        services.db,
        services.repo,
        device,
        compact(bp(120, 80, "08:00"), bp(190, 125, "08:05")),
        key=key,
    )
    assert result.accepted == 2 and len(result.alerts) == 1
    assert sample("enlace_ingested_readings_total", source="http") == readings + 2
    assert sample("enlace_alert_latency_seconds_count") == alerts + 1
    assert sample("enlace_alert_latency_seconds_sum") > 0


def test_outbox_lag_is_scraped_and_bounds_readiness_when_asked(services: Services) -> None:
    bounded = dataclasses.replace(services.settings, ready_outbox_lag_seconds=900)
    with (
        TestClient(create_app(services)) as default,
        TestClient(create_app(dataclasses.replace(services, settings=bounded))) as client,
    ):
        assert gauge(scrape(client), "enlace_outbox_lag_seconds", outbox="messaging") == 0
        assert client.get("/readyz").json() == {"status": "ready", "detail": "ok"}
        noon = epoch_us(datetime(2026, 3, 10, 18, 0, tzinfo=UTC))  # 12:00 in Mexico City, long ago
        with services.db.begin() as conn:
            messaging.set_preference(conn, "p1", "sms", "+525512345678", noon - DAY)
            messaging.grant(conn, "p1", "sms", "Clínica Enlace", "formato firmado", noon - DAY)
            request = messaging.MessageRequest("p1", "refill-reminder", PARAMS, "k-lag", {})
            assert messaging.enqueue(conn, request, noon).status == "queued"
        lag = gauge(scrape(client), "enlace_outbox_lag_seconds", outbox="messaging")
        assert lag > 900
        answer = client.get("/readyz")
        assert answer.status_code == 503 and "outbox messaging is" in answer.json()["detail"]
        assert default.get("/readyz").status_code == 200  # not checked unless asked


def test_readiness_wants_a_scheduler_heartbeat_when_told_to(services: Services) -> None:
    watched = dataclasses.replace(
        services, settings=dataclasses.replace(services.settings, ready_scheduler_seconds=60)
    )
    with TestClient(create_app(watched)) as client:
        assert client.get("/readyz").json()["detail"] == "no scheduler heartbeat"
        job_leases.beat(services.db, "scheduler-1", epoch_us(system_clock()))
        assert client.get("/readyz").status_code == 200
        assert gauge(scrape(client), "enlace_scheduler_heartbeat_age_seconds") < 60


def test_metrics_with_a_token_set_need_the_token(services: Services) -> None:
    guarded = dataclasses.replace(services.settings, metrics_token=TOKEN)
    with TestClient(create_app(dataclasses.replace(services, settings=guarded))) as client:
        assert client.get("/metrics").status_code == 403
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert "enlace_http_requests_total" in scrape(client, Authorization=f"Bearer {TOKEN}")


def test_metrics_in_production_without_a_token_answer_localhost_only(services: Services) -> None:
    production = dataclasses.replace(services.settings, environment="production")
    served = dataclasses.replace(services, settings=production)

    def from_address(host: str) -> Request:
        return Request({"type": "http", "headers": [], "client": (host, 40000)})

    assert observability._may_scrape(from_address("127.0.0.1"), served)
    assert observability._may_scrape(from_address("::1"), served)
    assert not observability._may_scrape(from_address("10.1.2.3"), served)


def test_each_jobs_last_run_is_scraped(client: TestClient, services: Services) -> None:
    run = scheduler.run_occurrence(
        services.db, JOB, "occ-metrics", lambda job: Outcome(True, "done"), "me"
    )
    assert run is not None and run.duration_ms is not None
    text = scrape(client)
    shown = gauge(text, "enlace_job_last_duration_seconds", job="metrics-job", outcome="ok")
    assert shown == run.duration_ms / 1000
    ended = gauge(text, "enlace_job_last_run_timestamp_seconds", job="metrics-job", outcome="ok")
    assert run.ended_us is not None and ended == run.ended_us / 1e6
