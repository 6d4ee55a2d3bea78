"""The whole library in one ordered tuple, looked up by id."""

from __future__ import annotations

from enlace.kernel import errors
from enlace.modules.analytics.indicators.definitions import PROCESS, Indicator
from enlace.modules.analytics.indicators.definitions_outcomes import OTHERS, OUTCOMES

INDICATORS: tuple[Indicator, ...] = (*PROCESS, *OUTCOMES, *OTHERS)
BY_ID: dict[str, Indicator] = {i.id: i for i in INDICATORS}


def catalog() -> tuple[Indicator, ...]:
    """Every indicator's definition, in the order the dashboards show them."""
    return INDICATORS


def pick(ids: list[str] | tuple[str, ...] | None, where: str = "indicators") -> list[Indicator]:
    """The named indicators (all when None or empty); unknown ids are one 400 naming them."""
    if not ids:
        return list(INDICATORS)
    unknown = [i for i in ids if i not in BY_ID]
    if unknown:
        raise errors.bad_request(f"unknown indicator(s): {', '.join(unknown)}", where)
    return [BY_ID[i] for i in ids]
