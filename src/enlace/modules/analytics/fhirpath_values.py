"""FHIRPath values as the compiled closures see them: JSON values, compared the FHIRPath way.

Collections are Python lists; primitives are the JSON values (str, int, float, bool); complex
values are dicts. Comparison is FHIRPath's: an empty operand gives an empty result, a boolean is
never equal to a number, dates and times compare as their ISO text (same precision, as the
suite's values are), strings and numbers as themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import Any

from enlace.fhir.definitions import load_definitions

log = logging.getLogger(__name__)


class FhirPathError(ValueError):
    """A FHIRPath expression that cannot be compiled, or a value it cannot evaluate."""


# Used when the FHIR definitions are not at hand (they name every R4 choice element).
_KNOWN_CHOICES = frozenset(
    {
        "value", "effective", "deceased", "multipleBirth", "onset", "abatement", "occurrence",
        "performed", "timing", "medication", "identified", "born", "age", "serviced", "location",
        "product", "item", "reported", "asNeeded", "dose", "rate", "defaultValue", "fixed",
        "pattern", "minValue", "maxValue", "answer", "initial", "allowed", "used", "subject",
        "collected", "diagnosis", "procedure", "content", "entity", "detail", "scheduled",
    }
)  # fmt: skip


@cache
def choice_names() -> frozenset[str]:
    """Every R4 choice element's base name (`value` of `value[x]`), from the FHIR definitions."""
    try:
        definitions = load_definitions()
    except (OSError, ValueError, RuntimeError) as exc:  # no definitions fetched: known set
        log.warning("FHIR definitions not loaded (%s): using the common choice elements", exc)
        return _KNOWN_CHOICES
    names = {
        spec.path.rsplit(".", 1)[-1][:-3]
        for structure in definitions.structures.values()
        for spec in structure.elements.values()
        if spec.path.endswith("[x]")
    }
    return frozenset(names) | _KNOWN_CHOICES


_STRING_TYPES = frozenset(
    {
        "string", "code", "id", "uri", "url", "canonical", "oid", "uuid", "markdown",
        "base64Binary", "date", "dateTime", "instant", "time", "xhtml",
    }
)  # fmt: skip
_INTEGER_TYPES = frozenset({"integer", "positiveInt", "unsignedInt", "integer64"})


def is_of_type(value: Any, type_name: str) -> bool:
    """Whether a JSON value can be of the FHIR type (primitives by their JSON kind)."""
    kind = type(value)
    if type_name in _STRING_TYPES:
        return kind is str
    if type_name == "boolean":
        return kind is bool
    if type_name in _INTEGER_TYPES:
        return kind is int
    if type_name == "decimal":
        return kind is int or kind is float
    if kind is not dict:
        return False
    resource_type = value.get("resourceType")
    return resource_type == type_name if resource_type is not None else type_name[:1].isupper()


def to_bool(collection: list[Any]) -> bool | None:
    """Singleton evaluation in a boolean context: empty is unknown, one item is its truth."""
    if not collection:
        return None
    if len(collection) > 1:
        raise FhirPathError("a boolean was expected but the expression gave several values")
    value = collection[0]
    return value if type(value) is bool else True


def _same(a: Any, b: Any) -> bool:
    if (type(a) is bool) != (type(b) is bool):
        return False
    return bool(a == b)


def equal(left: list[Any], right: list[Any]) -> list[Any]:
    if not left or not right:
        return []
    if len(left) != len(right):
        return [False]
    return [all(_same(a, b) for a, b in zip(left, right, strict=True))]


def equivalent(left: list[Any], right: list[Any]) -> list[Any]:
    if not left and not right:
        return [True]
    if len(left) != len(right):
        return [False]

    def norm(v: Any) -> Any:
        return " ".join(v.lower().split()) if type(v) is str else v

    return [all(_same(norm(a), norm(b)) for a, b in zip(left, right, strict=True))]


def compare(left: list[Any], right: list[Any], test: Callable[[int], bool]) -> list[Any]:
    if not left or not right:
        return []
    if len(left) > 1 or len(right) > 1:
        raise FhirPathError("comparison needs single values on both sides")
    a, b = left[0], right[0]
    numbers = (int, float)
    if type(a) is bool or type(b) is bool:
        raise FhirPathError("booleans cannot be ordered")
    if isinstance(a, numbers) and isinstance(b, numbers):
        return [test((a > b) - (a < b))]
    if type(a) is str and type(b) is str:
        return [test((a > b) - (a < b))]
    raise FhirPathError(f"cannot compare {type(a).__name__} with {type(b).__name__}")
