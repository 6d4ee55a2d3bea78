"""FHIR Subscriptions (issue 14 part 6), R4 with the topic-based backport: Subscription
resources through the normal API (checked by `subscription_checker`), topics in code
(`register_topic`), matching of committed changes and rest-hook delivery with handshake,
retries, backoff, heartbeats and a dead-letter list (docs/subscriptions.md).

Public API: `Topic`, `register_topic`, `topic`, `all_topics`, `subscription_checker`,
`run_once`, `start_worker`, `http_post`, `events_of`, `dead_letters`, `state_of`,
`first_delivered`, `status_operation` / `events_operation` ($status, $events), `capability_elements`, `PROFILE` and the backport extension URLs.
"""

from __future__ import annotations

from enlace.modules.subscriptions.delivery import DeliveryReport, Post, http_post
from enlace.modules.subscriptions.lag import outbox_lag_us
from enlace.modules.subscriptions.operations import events_operation, status_operation
from enlace.modules.subscriptions.service import (
    PassReport,
    capability_elements,
    dead_letters,
    default_margin_us,
    events_of,
    first_delivered,
    run_once,
    start_worker,
    state_of,
    subscription_checker,
)
from enlace.modules.subscriptions.spec import (
    FILTER_CRITERIA,
    HEARTBEAT,
    MAX_COUNT,
    PAYLOAD_CONTENT,
    PROFILE,
    TIMEOUT,
)
from enlace.modules.subscriptions.topics import Topic, all_topics, register_topic, topic

__all__ = [
    "FILTER_CRITERIA",
    "HEARTBEAT",
    "MAX_COUNT",
    "PAYLOAD_CONTENT",
    "PROFILE",
    "TIMEOUT",
    "DeliveryReport",
    "PassReport",
    "Post",
    "Topic",
    "all_topics",
    "capability_elements",
    "dead_letters",
    "default_margin_us",
    "events_of",
    "events_operation",
    "first_delivered",
    "http_post",
    "outbox_lag_us",
    "register_topic",
    "run_once",
    "start_worker",
    "state_of",
    "status_operation",
    "subscription_checker",
    "topic",
]
