"""Prometheus metrics (docs/operations.md "Metrics"). No label carries PHI: routes are templates,
outboxes and jobs are fixed names, statuses are numbers.

With several worker processes set PROMETHEUS_MULTIPROC_DIR (an empty folder, before start): each
process writes its samples there and `render` adds them up (prometheus-client multiprocess mode).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_LATEST

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

HTTP_REQUESTS = Counter(
    "enlace_http_requests", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "enlace_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
)
DB_POOL = Gauge(
    "enlace_db_pool_connections",
    "Database pool connections per worker process (state: checked_out | idle | size)",
    ["engine", "state"],
    multiprocess_mode="livesum",
)
INGESTED = Counter("enlace_ingested_readings", "Device readings accepted by ingestion", ["source"])
ALERT_LATENCY = Histogram(
    "enlace_alert_latency_seconds",
    "From a reading's arrival to the alert it opened",
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300),
)
JOB_SECONDS = Histogram(
    "enlace_job_duration_seconds",
    "Scheduled job run time",
    ["job", "outcome"],
    buckets=(1, 5, 15, 60, 300, 900, 1800, 3600, 7200),
)

Sampler = Callable[[], Iterable[tuple[str, str, str, dict[str, str], float]]]


class _Live(Collector):
    """Values read at scrape time (outbox lag, scheduler heartbeat age) from a sampler giving
    (name, help, unit-less kind 'gauge', labels, value) tuples."""

    def __init__(self, sampler: Sampler) -> None:
        self.sampler = sampler

    def collect(self) -> Iterable[Metric]:
        families: dict[str, GaugeMetricFamily] = {}
        for name, help_text, _kind, labels, value in self.sampler():
            family = families.get(name)
            if family is None:
                family = families[name] = GaugeMetricFamily(name, help_text, labels=list(labels))
            family.add_metric(list(labels.values()), value)
        return list(families.values())


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def render(sampler: Sampler | None = None) -> bytes:
    """The exposition text: every process's samples (multiprocess mode) or this one's, plus
    the live values of `sampler`."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Forward())
    if sampler is not None:
        registry.register(_Live(sampler))
    return generate_latest(registry)


class _Forward(Collector):
    """This process's default registry, inside a per-scrape registry."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def mark_process_dead(pid: int) -> None:
    """A worker exited: drop its live gauges (the counters it wrote stay summed)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)
