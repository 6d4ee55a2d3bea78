"""Money is integer centavos (DESIGN.md): the one exact conversion from a FHIR Money value."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def whole_centavos(value: object) -> int | None:
    """The amount in centavos when `value` is a non-negative number of whole centavos (read
    through its decimal text, so 12.3 is 1230 exactly and 0.005 is refused); None otherwise."""
    if isinstance(value, bool):
        return None
    try:
        centavos = Decimal(str(value)) * 100
    except InvalidOperation:
        return None
    if not centavos.is_finite() or centavos < 0 or centavos != centavos.to_integral_value():
        return None
    return int(centavos)
