"""Reference rewriting for Bundles: `urn:uuid:` fullUrls and conditional references."""

from __future__ import annotations

from typing import Any


def rewrite_references(node: Any, mapping: dict[str, str]) -> None:
    """Replace, in place, every Reference.reference found in `mapping` by its target."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            reference = current.get("reference")
            if isinstance(reference, str) and reference in mapping:
                current["reference"] = mapping[reference]
            stack.extend(v for v in current.values() if isinstance(v, dict | list))
        elif isinstance(current, list):
            stack.extend(v for v in current if isinstance(v, dict | list))


def conditional_references(node: Any) -> set[str]:
    """Every `Type?criteria` reference below `node`."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            reference = current.get("reference")
            if (
                isinstance(reference, str)
                and "?" in reference
                and "/" not in reference.split("?")[0]
            ):
                found.add(reference)
            stack.extend(v for v in current.values() if isinstance(v, dict | list))
        elif isinstance(current, list):
            stack.extend(v for v in current if isinstance(v, dict | list))
    return found
