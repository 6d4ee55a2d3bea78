"""/metrics of a live two-worker `enlace serve`: samples of both workers are added up
(prometheus-client multiprocess mode), so no request goes uncounted whichever worker took it."""

from __future__ import annotations

import re

import httpx


def healthz_count(site: str) -> float:
    text = httpx.get(f"{site}/metrics", timeout=30).text
    pattern = r'^enlace_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)$'
    match = re.search(pattern, text, re.M)
    return float(match.group(1)) if match else 0.0


def test_every_workers_requests_are_counted(live_server: str) -> None:
    site = live_server.removesuffix("/fhir")
    before = healthz_count(site)
    for _ in range(40):  # a new connection each: the kernel spreads them over the workers
        assert httpx.get(f"{site}/healthz", timeout=30).status_code == 200
    assert healthz_count(site) == before + 40
    text = httpx.get(f"{site}/metrics", timeout=30).text
    assert 'enlace_outbox_lag_seconds{outbox="messaging"}' in text
    assert "enlace_http_request_duration_seconds_bucket" in text
