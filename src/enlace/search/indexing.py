"""Index extraction at write time: the rows search reads.

For now: the `identifier` token of every resource that has one, and every literal reference
(`Type/id`) wherever it sits, with its element path. The full search-parameter registry replaces the
token part; the reference rows already serve compartments (Patient-level export).
"""

from __future__ import annotations

import re
from typing import Any

from enlace.store.records import IndexRows

_RELATIVE_REFERENCE = re.compile(r"^([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")


class BasicIndexer:
    def rows(self, resource_type: str, resource_id: str, resource: dict[str, Any]) -> IndexRows:
        out = IndexRows()
        identifiers = resource.get("identifier")
        if isinstance(identifiers, dict):
            identifiers = [identifiers]
        if isinstance(identifiers, list):
            for identifier in identifiers:
                if isinstance(identifier, dict) and isinstance(identifier.get("value"), str):
                    out.tokens.append(
                        {
                            "resource_type": resource_type,
                            "resource_id": resource_id,
                            "param": "identifier",
                            "system": identifier.get("system"),
                            "code": identifier["value"],
                        }
                    )
        seen: set[tuple[str, str, str]] = set()
        for path, reference in iter_references(resource):
            match = _RELATIVE_REFERENCE.match(reference)
            if match and (path, match[1], match[2]) not in seen:
                seen.add((path, match[1], match[2]))
                out.references.append(
                    {
                        "resource_type": resource_type,
                        "resource_id": resource_id,
                        "path": path,
                        "target_type": match[1],
                        "target_id": match[2],
                    }
                )
        return out


def iter_references(node: Any, path: str = "") -> list[tuple[str, str]]:
    """Every Reference.reference string below `node`, with its dotted element path.

    Contained resources are skipped: their references belong to them, not to the container.
    """
    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, str]] = [(node, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            reference = current.get("reference")
            if isinstance(reference, str):
                found.append((where, reference))
            for key, value in current.items():
                if (
                    key == "contained"
                    or key.startswith("_")
                    or isinstance(value, str | int | float)
                ):
                    continue
                stack.append((value, f"{where}.{key}" if where else key))
        elif isinstance(current, list):
            stack.extend((item, where) for item in current)
    return found
