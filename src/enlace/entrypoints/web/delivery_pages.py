"""The pharmacy's deliveries of the day (issue 8 part 8): `/pharmacy/deliveries[?date=]`.

The SupplyDeliveries the pharmacy is sending that day (read through the FHIR router as the
pharmacist), van by van in order of arrival, on an SVG map — the pharmacy and each stop at the
patient's home, one line per van — and a form per stop for the driver's report: delivered, or
why not (`pharmacy.record_outcome`: planned again, back to the counter, or held for a corrected
address).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.modules import delivery, pharmacy
from enlace.modules.catalog import facilities
from enlace.security.users import FHIR_ID, User

from . import counter_strings, i18n, nav
from .counter_pages import pharmacy_of
from .fhir_reads import Reader, matches
from .nav import NavItem
from .page_guard import BadInput, guarded, posted_form, with_query
from .patient_view import human_name
from .shell import Shell

ROLES = ("pharmacist",)
CENTRAL = timezone(timedelta(hours=-6))
SD = "https://enlace.health/fhir/StructureDefinition/"
WIDTH, HEIGHT, MARGIN = 640, 420, 24
COLOURS = ("#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df")


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(counter_strings.STRINGS)
    nav.register(NavItem("/pharmacy/deliveries", "nav.deliveries", ROLES, 28))
    shell = Shell(services)
    router = APIRouter()

    @router.get("/pharmacy/deliveries")
    async def list_route(request: Request) -> Response:
        async def work(user: User) -> Response:
            slug, day = pharmacy_of(user), _day(request.query_params.get("date"), shell.today())
            reader = shell.reader(request, user)
            found = await run_in_threadpool(_deliveries, reader, slug, day)
            return shell.view(
                request,
                user,
                "deliveries.html",
                day=day,
                reasons=sorted(delivery.FAILURE_REASONS),
                **found,
            )

        return await guarded(shell, request, ROLES, work, "deliveries.bad_input")

    @router.post("/pharmacy/deliveries/{delivery_id}")
    async def outcome_route(request: Request, delivery_id: str) -> Response:
        async def work(user: User) -> Response:
            form = await posted_form(request, shell.services.settings)
            slug = pharmacy_of(user)
            if not FHIR_ID.fullmatch(delivery_id):
                raise BadInput("deliveries.bad_input")
            outcome = form.get("outcome", "")
            reason = None if outcome == "delivered" else outcome
            reader = shell.reader(request, user)
            shipped = await run_in_threadpool(reader.read, "SupplyDelivery", delivery_id)
            if shipped.get("supplier", {}).get("reference") != f"Organization/org-{slug}":
                raise BadInput("deliveries.bad_input")
            day = datetime.fromisoformat(shipped["occurrenceDateTime"]).astimezone(CENTRAL).date()

            def record() -> None:
                with shell.services.db.begin() as conn:
                    pharmacy.record_outcome(shell.services, conn, delivery_id, reason, day)

            await run_in_threadpool(record)
            target = with_query("/pharmacy/deliveries", date=day.isoformat())
            return Response(status_code=303, headers={"Location": target})

        return await guarded(shell, request, ROLES, work, "deliveries.bad_input")

    app.include_router(router)


def _day(text: str | None, today: date) -> date:
    if not text:
        return today
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput("deliveries.bad_input") from None


def _deliveries(reader: Reader, slug: str, day: date) -> dict[str, Any]:
    bundle = reader.search(
        "SupplyDelivery", [("supplier", f"Organization/org-{slug}"), ("_count", "500")]
    )
    stops = []
    for shipped in matches(bundle):
        when = datetime.fromisoformat(shipped["occurrenceDateTime"]).astimezone(CENTRAL)
        if when.date() != day:
            continue
        patient = reader.read("Patient", shipped["patient"]["reference"].removeprefix("Patient/"))
        home = pharmacy.home_of(patient)
        stops.append(
            {
                "id": shipped["id"],
                "when": when.strftime("%H:%M"),
                "patient": human_name(patient),
                "van": next(
                    (
                        e["valueString"]
                        for e in shipped.get("extension", [])
                        if e["url"] == SD + "delivery-vehicle"
                    ),
                    "—",
                ),
                "packs": shipped.get("suppliedItem", {}).get("quantity", {}).get("value"),
                "status": shipped["status"],
                "home": home,
            }
        )
    stops.sort(key=lambda s: (s["van"], s["when"]))
    depot = next((f for f in facilities(kind="pharmacy") if f.slug == slug), None)
    return {"stops": stops, "map": _map(depot, stops) if depot and stops else None}


def _map(depot: Any, stops: list[dict[str, Any]]) -> dict[str, Any]:
    """Equirectangular projection of the pharmacy and the stops into the SVG box (a city is
    small enough for it), one polyline per van from the pharmacy through its stops."""
    points = [(depot.latitude, depot.longitude)] + [
        (s["home"].latitude, s["home"].longitude) for s in stops if s["home"]
    ]
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    span = max(max(lats) - min(lats), max(lons) - min(lons), 0.01)

    def xy(lat: float, lon: float) -> tuple[float, float]:
        x = MARGIN + (lon - min(lons)) / span * (WIDTH - 2 * MARGIN)
        y = HEIGHT - MARGIN - (lat - min(lats)) / span * (HEIGHT - 2 * MARGIN)
        return round(x, 1), round(y, 1)

    start = xy(depot.latitude, depot.longitude)
    vans: dict[str, list[tuple[float, float]]] = {}
    markers = []
    for n, stop in enumerate(stops, start=1):
        if stop["home"] is None:
            continue
        point = xy(stop["home"].latitude, stop["home"].longitude)
        vans.setdefault(stop["van"], [start]).append(point)
        markers.append({"n": n, "x": point[0], "y": point[1]})
    lines = [
        {
            "points": " ".join(f"{x},{y}" for x, y in [*path, start]),
            "colour": COLOURS[i % len(COLOURS)],
            "van": van,
        }
        for i, (van, path) in enumerate(sorted(vans.items()))
    ]
    return {"width": WIDTH, "height": HEIGHT, "depot": start, "lines": lines, "markers": markers}
