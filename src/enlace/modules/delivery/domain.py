"""Home delivery: orders, depots, vehicles and the travel model (pure, no solver, no I/O).

Times of day are whole minutes after local midnight at the depot (08:30 -> 510); the solver works
in seconds. A day's plan never crosses midnight.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class Window:
    """[start, end] in minutes after midnight; a stop must *begin* service inside it."""

    start: int
    end: int

    def contains(self, minute: float) -> bool:
        return self.start <= minute <= self.end


@dataclass(frozen=True, slots=True)
class Address:
    latitude: float
    longitude: float
    text: str = ""


@dataclass(frozen=True, slots=True)
class DeliveryOrder:
    """One drop at a patient's home: what the pharmacy module hands to the planner."""

    id: str
    patient: str  # FHIR reference, e.g. "Patient/123"
    address: Address
    window: Window
    packs: int  # the capacity unit: a vehicle carries at most `capacity` packs
    cold_chain: bool = False
    service_minutes: int = 5
    earliest_date: date | None = None  # not before this day (refill lead time, rescheduling)
    depot: str | None = None  # assigned depot id; None = nearest depot serving the address
    attempts: int = 0  # failed attempts so far


@dataclass(frozen=True, slots=True)
class Depot:
    """A pharmacy or distribution center that loads vehicles."""

    id: str
    latitude: float
    longitude: float
    hours: Window = Window(0, MINUTES_PER_DAY - 1)
    kind: str = "pharmacy"  # pharmacy | distribution-center
    service_radius_km: float | None = None  # None = serves any address


@dataclass(frozen=True, slots=True)
class Vehicle:
    id: str
    depot: str
    capacity: int  # packs
    shift: Window  # leaves the depot no earlier than start, is back no later than end
    refrigerated: bool = False


@dataclass(frozen=True, slots=True)
class PlanSettings:
    """Constants of the model; docs/delivery.md gives their sources.

    circuity: road distance / great-circle distance. Ballou, Rahardja & Sakai (2002), "Selected
      country circuity factors for road travel distance estimation", Transportation Research A 36,
      report country averages mostly between about 1.1 and 1.6; 1.3 is a common urban default.
    speed_kmh: average door-to-door speed of a delivery van in a large Mexican city at working
      hours; congestion indices (e.g. TomTom Traffic Index) put Mexico City among the slowest
      cities, with mean speeds around 20 km/h. Calibrate per city.
    """

    circuity: float = 1.3
    speed_kmh: float = 20.0
    cold_chain_minutes: int = 120  # leaving the depot -> drop, for cold-chain orders
    time_limit_seconds: float = 10.0
    solution_limit: int | None = None  # a fixed number of solutions makes a plan reproducible
    drop_penalty: int = 10_000_000  # seconds of travel worth one unplaced order (always place)


@dataclass(frozen=True, slots=True)
class Stop:
    order_id: str
    arrival_s: int  # seconds after midnight the vehicle reaches the address
    start_s: int  # service begins (>= arrival; waits for the window)
    load_after: int  # packs still on board after this drop
    distance_km: float  # from the previous stop


@dataclass(frozen=True, slots=True)
class Route:
    vehicle_id: str
    depot_id: str
    depart_s: int
    return_s: int
    stops: tuple[Stop, ...]
    load: int  # packs loaded at the depot
    distance_km: float


@dataclass(frozen=True, slots=True)
class Unplaced:
    order_id: str
    reason: str  # one of UNPLACED_REASONS
    detail: str


UNPLACED_REASONS = {
    "window-unreachable": "no vehicle can reach the address inside its window and be back in shift",
    "too-big-for-depot": "more packs than any suitable vehicle of its depot carries",
    "no-refrigerated-vehicle": "cold-chain order and no refrigerated vehicle at its depot",
    "cold-chain-too-far": "the address is farther than the cold-chain transit limit",
    "outside-service-area": "no depot serves the address",
    "no-vehicle": "its depot has no vehicle today",
    "cold-chain-transit": "the solver's route kept it out past the cold-chain limit; replan",
    "no-room": "the day's routes are full (capacity or time); try the next day",
}


@dataclass(frozen=True, slots=True)
class Plan:
    """The routes of one depot (plan_routes) or of all depots (plan_day) for one day."""

    routes: tuple[Route, ...]
    unplaced: tuple[Unplaced, ...]
    cost: int = 0  # the solver's objective (travel seconds + penalties)
    solve_seconds: float = 0.0
    later: tuple[str, ...] = field(default=())  # orders whose earliest date is after the day

    @property
    def distance_km(self) -> float:
        return round(sum(r.distance_km for r in self.routes), 3)

    @property
    def placed(self) -> int:
        return sum(len(r.stops) for r in self.routes)


def clock_text(seconds: int) -> str:
    minutes = (seconds + 59) // 60  # an ETA is never earlier than the truth
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
