"""Search entries from stored bytes: embedded as they are (orjson Fragment, no parse) unless
`_summary` or `_elements` asks for a subset, which needs the parsed resource."""

from __future__ import annotations

from typing import Any

import orjson

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
        if summary_mode not in (None, "false", "count") or elements:
            from enlace.fhir import summary  # TRANSIENT: until fhir.summary lands

            self.summary = summary
        self.summary_mode = summary_mode if summary_mode not in (None, "false", "count") else None
        self.elements = (
            self.summary.parse_elements(elements, resource_types, self.definitions)
            if elements
            else None
        )

    def content(self, content: bytes) -> Any:
        if self.summary_mode is None and self.elements is None:
            return orjson.Fragment(content)
        resource = orjson.loads(content)
        if self.summary_mode is not None:
            resource = self.summary.summarize(resource, self.summary_mode, self.definitions)
        if self.elements is not None:
            resource = self.summary.select_elements(resource, self.elements, self.definitions)
        return resource

    def entry(self, found: Found, base_url: str, mode: str) -> dict[str, Any]:
        return {
            "fullUrl": f"{base_url}/{found.resource_type}/{found.id}",
            "resource": self.content(found.content),
            "search": {"mode": mode},
        }
