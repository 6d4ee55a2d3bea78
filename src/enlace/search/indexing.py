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
    Primitive extensions (`_name`) are skipped too. Runs on every write, hence exact type checks
    and no descent into scalars (it was the top cost of an import before; see bench/).
    """
    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, str]] = [(node, path)]
    push, pop = stack.append, stack.pop
    while stack:
        current, where = pop()
        if type(current) is list:
            for item in current:
                if type(item) is dict:
                    push((item, where))
            continue
        reference = current.get("reference")
        if type(reference) is str:
            found.append((where, reference))
        for key, value in current.items():
            kind = type(value)
            if (kind is dict or kind is list) and key != "contained" and not key.startswith("_"):
                push((value, f"{where}.{key}" if where else key))
    return found
