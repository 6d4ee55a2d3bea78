"""plan_routes: one depot's day as a vehicle-routing problem solved by OR-Tools.

Model (docs/delivery.md): node 0 is the depot, node k the k-th routable order. Arc cost is
driving seconds. Dimensions: "time" (driving + service at the node left, waiting allowed as
slack; each node's cumul is when service begins, boxed by its window; each vehicle's start and
end boxed by its shift and the depot's hours), "packs" (vehicle capacity) and, when any order is
cold-chain, "ride": the same transits with its slack tied to the time slack and its start fixed
at 0, so its cumul is the time since the vehicle left the depot, capped for cold-chain nodes.
Every order is optional with a large penalty: an overloaded day still yields the best plan and
the list of orders left out.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from enlace.modules.delivery.checks import check_request
from enlace.modules.delivery.domain import (
    UNPLACED_REASONS,
    DeliveryOrder,
    Depot,
    Plan,
    PlanSettings,
    Route,
    Stop,
    Unplaced,
    Vehicle,
    Window,
)
from enlace.modules.delivery.screening import screen, working_window
from enlace.modules.delivery.travel import road_km, travel_seconds

DAY_SECONDS = 24 * 3600


def plan_routes(
    depot: Depot,
    vehicles: Sequence[Vehicle],
    orders: Sequence[DeliveryOrder],
    settings: PlanSettings | None = None,
) -> Plan:
    """Routes of `depot`'s vehicles for `orders`; a 400 FhirError if the request is unsound."""
    settings = settings or PlanSettings()
    check_request([_for_depot(o, depot) for o in orders], [depot], vehicles)
    return plan_depot(depot, vehicles, orders, settings)


def _for_depot(order: DeliveryOrder, depot: Depot) -> DeliveryOrder:
    # plan_routes plans for one depot whatever the order names; checks see only that depot.
    return order if order.depot is None else replace(order, depot=depot.id)


def plan_depot(
    depot: Depot,
    vehicles: Sequence[Vehicle],
    orders: Sequence[DeliveryOrder],
    settings: PlanSettings,
) -> Plan:
    """plan_routes without the input checks (plan_day checks the whole day once)."""
    began = time.perf_counter()
    fleet = [(v, w) for v in vehicles if v.depot == depot.id and (w := working_window(v, depot))]
    points = [(depot.latitude, depot.longitude)]
    points += [(o.address.latitude, o.address.longitude) for o in orders]
    road = road_km(points, settings)
    seconds = travel_seconds(road, settings)
    keep, refused = screen(orders, seconds, fleet, settings)
    if not keep:
        return Plan((), tuple(refused), 0, time.perf_counter() - began)
    nodes = [0] + [i + 1 for i in keep]
    problem = _Problem(
        depot, fleet, [orders[i] for i in keep], seconds[np.ix_(nodes, nodes)], settings
    )
    routes, dropped, cost = problem.solve()
    distances = road[np.ix_(nodes, nodes)]
    built, late = _checked_routes(problem, routes, distances)
    left = [Unplaced(o.id, "no-room", UNPLACED_REASONS["no-room"]) for o in dropped]
    left += [
        Unplaced(o.id, "cold-chain-transit", UNPLACED_REASONS["cold-chain-transit"]) for o in late
    ]
    return Plan(built, tuple(refused + left), cost, time.perf_counter() - began)


@dataclass
class _Solved:
    vehicle: Vehicle
    nodes: list[int]  # order nodes in visiting order (1-based)


class _Problem:
    def __init__(
        self,
        depot: Depot,
        fleet: list[tuple[Vehicle, Window]],
        orders: list[DeliveryOrder],
        seconds: NDArray[np.int64],
        settings: PlanSettings,
    ) -> None:
        self.depot, self.fleet, self.orders = depot, fleet, orders
        self.work = {vehicle.id: work for vehicle, work in fleet}
        self.seconds, self.settings = seconds, settings
        self.service = np.array([0] + [o.service_minutes * 60 for o in orders], dtype=np.int64)
        self.manager = pywrapcp.RoutingIndexManager(len(orders) + 1, len(fleet), 0)
        self.routing = pywrapcp.RoutingModel(self.manager)

    def solve(self) -> tuple[list[_Solved], list[DeliveryOrder], int]:
        routing, manager = self.routing, self.manager
        travel = routing.RegisterTransitMatrix(self.seconds.tolist())
        routing.SetArcCostEvaluatorOfAllVehicles(travel)
        busy = routing.RegisterTransitMatrix((self.seconds + self.service[:, None]).tolist())
        self.time = self._time_dimension(busy)
        self._capacity()
        if any(o.cold_chain for o in self.orders):
            self._cold_chain(busy)
        for node in range(1, len(self.orders) + 1):
            routing.AddDisjunction([manager.NodeToIndex(node)], self.settings.drop_penalty)
        solution = routing.SolveWithParameters(self._parameters())
        if solution is None:
            return [], list(self.orders), 0
        return self._read(solution)

    def _time_dimension(self, busy: int) -> pywrapcp.RoutingDimension:
        routing, manager = self.routing, self.manager
        routing.AddDimension(busy, DAY_SECONDS, DAY_SECONDS, False, "time")
        dimension = routing.GetDimensionOrDie("time")
        for node, order in enumerate(self.orders, start=1):
            cumul = dimension.CumulVar(manager.NodeToIndex(node))
            cumul.SetRange(order.window.start * 60, order.window.end * 60)
        for v, (_, work) in enumerate(self.fleet):
            for index in (routing.Start(v), routing.End(v)):
                dimension.CumulVar(index).SetRange(work.start * 60, work.end * 60)
        return dimension

    def _capacity(self) -> None:
        demand = self.routing.RegisterUnaryTransitVector([0] + [o.packs for o in self.orders])
        capacities = [v.capacity for v, _ in self.fleet]
        self.routing.AddDimensionWithVehicleCapacity(demand, 0, capacities, True, "packs")

    def _cold_chain(self, busy: int) -> None:
        routing, manager = self.routing, self.manager
        routing.AddDimension(busy, DAY_SECONDS, DAY_SECONDS, True, "ride")
        ride = routing.GetDimensionOrDie("ride")
        solver = routing.solver()
        for index in range(routing.Size()):
            if not routing.IsEnd(index):
                solver.Add(ride.SlackVar(index) == self.time.SlackVar(index))
        refrigerated = [v for v, (vehicle, _) in enumerate(self.fleet) if vehicle.refrigerated]
        limit = self.settings.cold_chain_minutes * 60
        for node, order in enumerate(self.orders, start=1):
            if order.cold_chain:
                index = manager.NodeToIndex(node)
                routing.VehicleVar(index).SetValues([-1, *refrigerated])
                ride.CumulVar(index).SetMax(limit)

    def _parameters(self) -> pywrapcp.RoutingSearchParameters:
        parameters = pywrapcp.DefaultRoutingSearchParameters()
        strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
        parameters.first_solution_strategy = strategy
        metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        parameters.local_search_metaheuristic = metaheuristic
        parameters.time_limit.FromMilliseconds(int(self.settings.time_limit_seconds * 1000))
        if self.settings.solution_limit:
            parameters.solution_limit = self.settings.solution_limit
        return parameters

    def _read(
        self, solution: pywrapcp.Assignment
    ) -> tuple[list[_Solved], list[DeliveryOrder], int]:
        routing, manager = self.routing, self.manager
        routes: list[_Solved] = []
        for v, (vehicle, _) in enumerate(self.fleet):
            index = solution.Value(routing.NextVar(routing.Start(v)))
            nodes = []
            while not routing.IsEnd(index):
                nodes.append(manager.IndexToNode(index))
                index = solution.Value(routing.NextVar(index))
            if nodes:
                routes.append(_Solved(vehicle, nodes))
        placed = {n for r in routes for n in r.nodes}
        dropped = [o for n, o in enumerate(self.orders, start=1) if n not in placed]
        return routes, dropped, solution.ObjectiveValue()


def _checked_routes(
    problem: _Problem, routes: list[_Solved], distances: NDArray[np.float64]
) -> tuple[tuple[Route, ...], list[DeliveryOrder]]:
    """Timetabled routes, with any cold-chain drop still over the transit limit taken off.

    The cold-chain limit is posted to the solver through slack-linked dimensions, which the
    local-search filters do not see; a rare solution can break it. Such drops are removed
    (removing a stop never delays the others) and reported, so a returned plan always holds.
    """
    built: list[Route] = []
    late: list[DeliveryOrder] = []
    limit = problem.settings.cold_chain_minutes * 60
    for solved in routes:
        while solved.nodes:
            route = _route(problem, solved, distances)
            over = [
                node
                for node, stop in zip(solved.nodes, route.stops, strict=True)
                if problem.orders[node - 1].cold_chain and stop.start_s - route.depart_s > limit
            ]
            if not over:
                built.append(route)
                break
            late.append(problem.orders[over[0] - 1])
            solved = _Solved(solved.vehicle, [n for n in solved.nodes if n != over[0]])
    return tuple(built), late


def _route(problem: _Problem, solved: _Solved, distances: NDArray[np.float64]) -> Route:
    """A solved route with its schedule and loads.

    The solver's cumul bounds are ranges, not one timetable, so the timetable is rebuilt: the van
    leaves as late as the route allows (which makes every drop's time since departure, cold-chain
    transit included, as short as it can be), then serves each stop as early as it may.
    """
    orders, seconds = problem.orders, problem.seconds
    nodes = solved.nodes
    path = [0, *nodes, 0]
    legs = [int(seconds[a, b]) for a, b in pairwise(path)]
    service = [orders[n - 1].service_minutes * 60 for n in nodes]
    work = problem.work[solved.vehicle.id]
    latest = work.end * 60 - legs[-1] - service[-1]
    for k in range(len(nodes) - 1, -1, -1):
        latest = min(latest, orders[nodes[k] - 1].window.end * 60)
        if k:
            latest -= legs[k] + service[k - 1]
    depart = max(work.start * 60, latest - legs[0])
    load = sum(orders[n - 1].packs for n in nodes)
    on_board, leave, total_km = load, depart, 0.0
    stops = []
    for k, node in enumerate(nodes):
        order = orders[node - 1]
        arrival = leave + legs[k]
        start = max(arrival, order.window.start * 60)
        on_board -= order.packs
        km = float(distances[path[k], node])
        stops.append(Stop(order.id, arrival, start, on_board, round(km, 3)))
        total_km += km
        leave = start + service[k]
    total_km += float(distances[nodes[-1], 0])
    return Route(
        solved.vehicle.id,
        problem.depot.id,
        depart,
        leave + legs[-1],
        tuple(stops),
        load,
        round(total_km, 3),
    )
