"""The daily job's patient covariates for the model (scoring.covariates), by hand: age in years
at the as-of day, sex, affiliation as its index in features.AFFILIATIONS, the great-circle
distance from home to the pharmacy of the last fill; NaN for what the record does not say."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from enlace.modules import catalog
from enlace.modules.adherence import features, fill_table, scoring
from enlace.modules.adherence.domain import Fill
from enlace.modules.adherence.sources import PatientFacts, Record

AS_OF = date(2025, 12, 31)
HOME = (19.4326, -99.1332)  # Zócalo, Mexico City


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def fill(patient: str, day: date, pharmacy: str | None) -> Fill:
    return Fill(f"{patient}-{day}", patient, "m", "atc:A10BA", day, 30, pharmacy=pharmacy)


def test_covariates_by_hand() -> None:
    near, far = catalog.facilities()[0], catalog.facilities()[-1]
    fills = [
        fill("p1", date(2025, 11, 1), f"Organization/org-{far.slug}"),
        fill("p1", date(2025, 12, 1), f"Organization/org-{near.slug}"),  # the last one counts
        fill("p2", date(2025, 12, 1), "Organization/not-in-the-catalog"),
    ]
    record = Record(
        patients={
            "p1": PatientFacts(
                birth_date=date(1960, 5, 1), gender="female", affiliation="imss", home=HOME
            ),
            "p2": PatientFacts(gender="male", affiliation="unknown-code"),
        }
    )
    table = fill_table.build(fills)
    found = scoring.covariates(table, record, AS_OF, fills)
    column = {name: i for i, name in enumerate(features.COVARIATES)}
    p1, p2 = found[table.patients.index("p1")], found[table.patients.index("p2")]
    assert p1[column["age"]] == pytest.approx((AS_OF - date(1960, 5, 1)).days / 365.25)
    assert (p1[column["female"]], p1[column["affiliation"]]) == (1.0, 0.0)
    expected = haversine_km(HOME, (near.latitude, near.longitude))
    assert p1[column["distance_km"]] == pytest.approx(expected, rel=2e-3)
    assert p2[column["female"]] == 0.0
    for name in ("age", "affiliation", "distance_km", "copay_share", "readings_per_week"):
        assert np.isnan(p2[column[name]]), name
    assert np.isnan(p1[column["delivery"]])  # no home delivery anywhere: unknown, not "no"
    record.delivered = {"p2"}
    found = scoring.covariates(table, record, AS_OF, fills)
    assert found[table.patients.index("p1")][column["delivery"]] == 0.0
    assert found[table.patients.index("p2")][column["delivery"]] == 1.0
