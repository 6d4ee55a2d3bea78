"""Disease registries (issue 14 part 5): registry definitions (cancer by ICD-10 C00-D48,
rare diseases by a list), automatic case selection from Conditions, delivery of each
institution's new and updated cases by a Subscription on the registry-case topic, and
completeness and timeliness per institution (docs/registries.md).

Public API: `REGISTRIES`, `TOPIC`, `TOPIC_URL`, `registries_of`, `connect`,
`registry_subscription`, `select_cases`, `indicators`, `link_of`, `InstitutionIndicators`.
"""

from __future__ import annotations

from enlace.modules.registry.domain import REGISTRIES, Registry, institution_of, registries_of
from enlace.modules.registry.service import (
    ON_TIME_DAYS,
    TOPIC,
    TOPIC_URL,
    InstitutionIndicators,
    connect,
    indicators,
    link_of,
    registry_subscription,
    select_cases,
)

__all__ = [
    "ON_TIME_DAYS",
    "REGISTRIES",
    "TOPIC",
    "TOPIC_URL",
    "InstitutionIndicators",
    "Registry",
    "connect",
    "indicators",
    "institution_of",
    "link_of",
    "registries_of",
    "registry_subscription",
    "select_cases",
]
