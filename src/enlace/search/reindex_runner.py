"""Where reindex jobs run: the process's background executor (`Services.background`).

- `submit(services, job_id)`: run a job there (once per process at a time);
- `on_config_change`: the listener bootstrap subscribes to the search runtime; when the custom
  SearchParameters change it queues (or reuses) a job over the resource types whose index rows
  differ and runs it;
- `start(services)`: what a serving process does at startup (`bootstrap.build(start_jobs=True)`):
  the fingerprint check, then a daemon thread that every `PICKUP_S` seconds submits jobs nobody
  holds (queued by `enlace reindex`, or left by a process that died: lease takeover).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Executor
from typing import Protocol

from enlace.search import custom_params, reindex
from enlace.search.runtime import SearchConfig, SearchServices

log = logging.getLogger(__name__)

PICKUP_S = 10.0

_inflight: set[str] = set()
_inflight_lock = threading.Lock()


class JobServices(SearchServices, Protocol):
    background: Executor


def submit(services: JobServices, job_id: str) -> None:
    with _inflight_lock:
        if job_id in _inflight:
            return
        _inflight.add(job_id)
    try:
        services.background.submit(_run, services, job_id)
    except RuntimeError:  # executor shut down (process exiting)
        with _inflight_lock:
            _inflight.discard(job_id)


def _run(services: JobServices, job_id: str) -> None:
    try:
        outcome = reindex.run(services, job_id)
        log.info("reindex job ended", extra={"fields": {"job": job_id, "outcome": outcome}})
    except Exception:
        log.exception("reindex job could not run", extra={"fields": {"job": job_id}})
    finally:
        with _inflight_lock:
            _inflight.discard(job_id)


def on_config_change(services: JobServices, old: SearchConfig, new: SearchConfig) -> None:
    """Runtime listener: the job is worked out and run off the caller's thread."""
    try:
        services.background.submit(_reindex_changed, services, old, new)
    except RuntimeError:
        log.warning("search configuration changed while shutting down; not reindexed")


def _reindex_changed(services: JobServices, old: SearchConfig, new: SearchConfig) -> None:
    try:
        types = custom_params.changed_types(old.registry, new.registry)
        if not types:
            return
        everything = len(types) == len(new.registry.resource_types)
        changed_at = services.search.signature[1] if services.search.signature else None
        job_id = reindex.ensure(
            services.db, [] if everything else types, new.fingerprint, since_us=changed_at
        )
    except Exception:
        log.exception("reindex after a SearchParameter change could not be queued")
        return
    log.info("custom SearchParameters changed", extra={"fields": {"job": job_id, "types": types}})
    with _inflight_lock:
        if job_id in _inflight:
            return
        _inflight.add(job_id)
    _run(services, job_id)  # already on the background thread


def start(services: JobServices) -> threading.Thread:
    """Startup check and the pickup thread of a serving process."""
    try:
        job_id = reindex.startup_check(services)
        if job_id is not None:
            log.info("search indexes out of date: reindexing", extra={"fields": {"job": job_id}})
    except Exception:
        log.exception("search index startup check failed")
    thread = threading.Thread(
        target=_pickup_forever, args=(services,), name="enlace-reindex-pickup", daemon=True
    )
    thread.start()
    return thread


def pickup(services: JobServices) -> list[str]:
    """Submit every job nobody holds; returns their ids."""
    found = reindex.claimable(services.db)
    for job_id in found:
        submit(services, job_id)
    return found


def _pickup_forever(services: JobServices) -> None:
    while True:
        try:
            pickup(services)
        except Exception:
            log.warning("reindex pickup failed", exc_info=True)
        time.sleep(PICKUP_S)
