"""The location registry's pure parts: synthetic facility GLNs, distances, impossible travel."""

from __future__ import annotations

import pytest

from enlace.modules.catalog import facilities, gs1_check_digit
from enlace.modules.trace.epcis_locations import Place, distance_km, facility_gln
from enlace.modules.trace.events_alerts import MAX_SPEED_KMH, travel_alert

CDMX = Place("a", "Cuauhtémoc", 19.4366, -99.148, "09", True)
MONTERREY = Place("b", "Monterrey", 25.6866, -100.3161, "19", True)
NEARBY = Place("c", "Coyoacán", 19.35, -99.16, "09", True)
SOMEWHERE = Place("d", "no coordinates", None, None, None, True)
HOUR_US = 3_600_000_000


def test_every_facility_has_its_own_valid_gln() -> None:
    glns = [facility_gln(f.slug) for f in facilities()]
    assert len(set(glns)) == len(glns)
    assert all(g.startswith("7509") and len(g) == 13 for g in glns)
    assert all(gs1_check_digit(g[:12]) == int(g[12]) for g in glns)


def test_distance() -> None:
    assert distance_km(CDMX, MONTERREY) == pytest.approx(705, abs=15)
    assert distance_km(CDMX, CDMX) == 0


@pytest.mark.parametrize(
    ("before", "after", "elapsed_us", "flagged"),
    [
        (CDMX, MONTERREY, 10 * 60_000_000, True),  # 700 km in 10 minutes
        (CDMX, MONTERREY, -10 * 60_000_000, True),  # out of order: the gap counts either way
        (CDMX, MONTERREY, 0, True),
        (CDMX, MONTERREY, 8 * HOUR_US, False),  # a day's drive
        (CDMX, NEARBY, 60_000_000, False),  # same city: not travel
        (CDMX, SOMEWHERE, 1, False),  # no coordinates: nothing to say
    ],
)
def test_travel(before: Place, after: Place, elapsed_us: int, flagged: bool) -> None:
    found = travel_alert("epc", "event", before, after, elapsed_us)
    assert (found is not None) is flagged
    if found is not None:
        assert found.kind == "impossible-travel" and found.location == after.location_id


def test_speed_limit_is_an_airliner() -> None:
    assert 800 <= MAX_SPEED_KMH <= 1000
