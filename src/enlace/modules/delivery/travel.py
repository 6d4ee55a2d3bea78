"""Travel distances and times: great-circle distance x road circuity at an urban speed.

Vectorized with numpy: a 301 x 301 matrix takes well under a millisecond. Times are whole
seconds, rounded up so that a plan never promises an arrival the road cannot keep.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from enlace.modules.delivery.domain import PlanSettings

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius


def great_circle_km(points: Sequence[tuple[float, float]]) -> NDArray[np.float64]:
    """Haversine distances (km) between every pair of (latitude, longitude) points."""
    coords = np.radians(np.asarray(points, dtype=np.float64).reshape(-1, 2))
    lat, lon = coords[:, 0:1], coords[:, 1:2]
    half_dlat = (lat - lat.T) / 2.0
    half_dlon = (lon - lon.T) / 2.0
    a = np.sin(half_dlat) ** 2 + np.cos(lat) * np.cos(lat.T) * np.sin(half_dlon) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def road_km(points: Sequence[tuple[float, float]], settings: PlanSettings) -> NDArray[np.float64]:
    return great_circle_km(points) * settings.circuity


def travel_seconds(road: NDArray[np.float64], settings: PlanSettings) -> NDArray[np.int64]:
    """Whole seconds to drive each road distance at the settings' average speed."""
    return np.ceil(road * 3600.0 / settings.speed_kmh).astype(np.int64)
