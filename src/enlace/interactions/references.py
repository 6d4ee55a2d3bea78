"""Reference rewriting for Bundles: `urn:uuid:` fullUrls and conditional references."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def rewrite_references(node: Any, mapping: dict[str, str]) -> None:
    """Replace, in place, every Reference.reference found in `mapping` by its target."""
    for holder in _reference_holders(node):
        target = mapping.get(holder["reference"])
        if target is not None:
            holder["reference"] = target


def conditional_references(node: Any) -> set[str]:
    """Every `Type?criteria` reference below `node`."""
    found: set[str] = set()
    for holder in _reference_holders(node):
        reference = holder["reference"]
        if "?" in reference and "/" not in reference.split("?")[0]:
            found.add(reference)
    return found


def _reference_holders(node: Any) -> Iterator[dict[str, Any]]:
    """Every object below `node` (contained resources included) whose `reference` is a string."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            if isinstance(current.get("reference"), str):
                yield current
            stack.extend(v for v in current.values() if isinstance(v, dict | list))
        elif isinstance(current, list):
            stack.extend(v for v in current if isinstance(v, dict | list))
