"""Search entries from stored bytes: embedded as they are (orjson Fragment, no parse) unless
`_summary` or `_elements` asks for a subset, which needs the parsed resource."""

from __future__ import annotations

from typing import Any

import orjson

from enlace.fhir import summary
from enlace.search.includes import Found

from .context import Services


class Renderer:
    def __init__(
        self,
        services: Services,
        summary_mode: str | None,
        elements: str | None,
        resource_types: list[str],
    ) -> None:
        self.definitions = services.definitions
        self.summary_mode = summary_mode if summary_mode not in (None, "false", "count") else None
        self.elements = None
        if elements:
            # fhirpy always adds resourceType, which is not an element: it is always returned.
            names = ",".join(n for n in elements.split(",") if n.strip() != "resourceType")
            self.elements = summary.parse_elements(names or "id", resource_types, self.definitions)

    def content(self, content: bytes) -> Any:
        if self.summary_mode is None and self.elements is None:
            return orjson.Fragment(content)
        resource = orjson.loads(content)
        if self.summary_mode is not None:
            resource = summary.summarize(resource, self.summary_mode, self.definitions)
        if self.elements is not None:
            resource = summary.select_elements(resource, self.elements, self.definitions)
        return resource

    def entry(self, found: Found, base_url: str, mode: str) -> dict[str, Any]:
        return {
            "fullUrl": f"{base_url}/{found.resource_type}/{found.id}",
            "resource": self.content(found.content),
            "search": {"mode": mode},
        }
