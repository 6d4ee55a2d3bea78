"""Home delivery: the day's delivery routes per depot (OR-Tools) and what follows a failed drop.

Public API for entrypoints and for the pharmacy module, which creates the orders
(docs/delivery.md).
"""

from __future__ import annotations

from enlace.modules.delivery.checks import check_request
from enlace.modules.delivery.day import group_by_depot, plan_day
from enlace.modules.delivery.domain import (
    UNPLACED_REASONS,
    Address,
    DeliveryOrder,
    Depot,
    Plan,
    PlanSettings,
    Route,
    Stop,
    Unplaced,
    Vehicle,
    Window,
    clock_text,
)
from enlace.modules.delivery.outcomes import (
    FAILURE_REASONS,
    Decision,
    DeliveryPolicy,
    confirm,
    next_delivery_day,
    record_failure,
)
from enlace.modules.delivery.requests import PlanRequest, parse_request, plan_as_json
from enlace.modules.delivery.solver import plan_routes
from enlace.modules.delivery.travel import great_circle_km, road_km, travel_seconds
from enlace.modules.delivery.validator import violations

__all__ = [
    "FAILURE_REASONS",
    "UNPLACED_REASONS",
    "Address",
    "Decision",
    "DeliveryOrder",
    "DeliveryPolicy",
    "Depot",
    "Plan",
    "PlanRequest",
    "PlanSettings",
    "Route",
    "Stop",
    "Unplaced",
    "Vehicle",
    "Window",
    "check_request",
    "clock_text",
    "confirm",
    "great_circle_km",
    "group_by_depot",
    "next_delivery_day",
    "parse_request",
    "plan_as_json",
    "plan_day",
    "plan_routes",
    "record_failure",
    "road_km",
    "travel_seconds",
    "violations",
]
