"""The location registry: EPCIS location ids of the authorized chain, with coordinates.

An event's readPoint / bizLocation is an SGLN URN or a Digital Link `414/<GLN>[/254/<ext>]`;
both are stored canonical (`https://id.gs1.org/414/...`). A sub-location (254) is looked up as
itself, then as its GLN. The registry answers two questions for alerts: is this place in the
authorized chain, and how far is it from another (impossible travel).

The catalog's facilities have coordinates but no GLN; `facility_gln` gives each one a stable
synthetic GLN under the GS1 Mexico prefix 750 (the first digits of the SHA-256 of its slug; the
test suite checks the 77 facilities do not collide).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from enlace.modules.catalog import STATES, Facility, facilities, gs1_check_digit
from enlace.modules.trace.epcis_ids import GS1_HOST, canonical_epc
from enlace.modules.trace.epcis_tables import locations

EARTH_RADIUS_KM = 6371.0
GLN_PREFIX = "7509"  # GS1 Mexico (750) + a digit for Enlace's synthetic facilities


@dataclass(frozen=True, slots=True)
class Place:
    location_id: str
    name: str
    latitude: float | None
    longitude: float | None
    region: str | None
    authorized: bool

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def distance_km(a: Place, b: Place) -> float:
    """Great-circle (haversine) distance between two places with coordinates."""
    assert a.latitude is not None and a.longitude is not None
    assert b.latitude is not None and b.longitude is not None
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def facility_gln(slug: str) -> str:
    digits = str(int.from_bytes(hashlib.sha256(slug.encode()).digest()[:8], "big"))[-8:]
    body = GLN_PREFIX + digits.zfill(8)
    return body + str(gs1_check_digit(body))


def facility_location_id(slug: str) -> str:
    return f"{GS1_HOST}/414/{facility_gln(slug)}"


def register_location(
    conn: Connection,
    location_id: str,
    name: str,
    latitude: float | None = None,
    longitude: float | None = None,
    region: str | None = None,
    authorized: bool = True,
) -> Place:
    """Add or replace one place (its id is stored canonical)."""
    place = Place(canonical_epc(location_id), name, latitude, longitude, region, authorized)
    conn.execute(locations.delete().where(locations.c.location_id == place.location_id))
    conn.execute(
        locations.insert().values(
            location_id=place.location_id,
            name=name,
            latitude=latitude,
            longitude=longitude,
            region=region,
            authorized=authorized,
        )
    )
    return place


def register_facilities(conn: Connection, chosen: Iterable[Facility] | None = None) -> list[Place]:
    """Every catalog facility (or `chosen`) as an authorized place; coarse region = its state."""
    return [
        register_location(
            conn,
            facility_location_id(f.slug),
            f.name,
            f.latitude,
            f.longitude,
            STATES[f.state][0],
        )
        for f in (facilities() if chosen is None else chosen)
    ]


def _gln_of(location_id: str) -> str:
    """The GLN-level id of a sub-location (`.../414/<gln>/254/<ext>` → `.../414/<gln>`)."""
    head, _, _ext = location_id.partition("/254/")
    return head


def load_places(conn: Connection, ids: Iterable[str | None]) -> dict[str, Place]:
    """The registered places among `ids` (each also found through its GLN), in one query."""
    wanted = {i for i in ids if i}
    keys = wanted | {_gln_of(i) for i in wanted}
    if not keys:
        return {}
    rows = conn.execute(select(locations).where(locations.c.location_id.in_(sorted(keys))))
    found = {row.location_id: Place(*row) for row in rows}
    return {
        i: found.get(i) or found[_gln_of(i)] for i in wanted if i in found or _gln_of(i) in found
    }
