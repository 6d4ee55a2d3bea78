"""Loading a synthetic population (both stores): resources valid and byte-identical for a seed,
idempotent reload, ground truth in its own file and nowhere in the record, another scenario
refused before anything is written."""

from __future__ import annotations

from dataclasses import asdict

import orjson
import pytest

from enlace.interactions.context import Services
from enlace.sim.fhir_map import resources
from enlace.sim.loader import (
    MARKER_ID,
    ScenarioConflict,
    existing_scenario,
    load_population,
    marker,
)
from enlace.sim.population import generate


def _serialized(seed: int, n: int) -> list[bytes]:
    population = generate(n, seed, states=["JAL", "NLE"])
    on = population.reference_date
    return [
        orjson.dumps(r, option=orjson.OPT_SORT_KEYS)
        for p in population.people
        for r in resources(p, seed, on)
    ]


def test_same_seed_gives_byte_identical_resources() -> None:
    assert _serialized(42, 60) == _serialized(42, 60)
    assert _serialized(42, 60) != _serialized(43, 60)


def test_load_ground_truth_and_no_latent_value_in_the_record(services: Services) -> None:
    population = generate(60, seed=5, states=["CMX", "MEX", "JAL"])
    issues = [
        (r["resourceType"], r["id"], services.validate(r))
        for p in population.people
        for r in resources(p, 5, population.reference_date)
    ]
    assert [i for i in issues if i[2]] == []
    report = load_population(services, population, batch=25)
    assert report.people == 60 and report.created == report.resources == len(issues)
    assert existing_scenario(services) is not None
    with services.db.read() as conn:
        stored = [services.repo.read(conn, t, i).content or b"" for t, i, _ in issues] + [
            services.repo.read(conn, "Basic", MARKER_ID).content or b""
        ]
    lines = report.ground_truth.read_bytes().splitlines()
    assert len(lines) == 60
    truth = [orjson.loads(line) for line in lines]
    assert truth[0]["patient"] == "s5-0" and set(truth[0]["latent"]) == set(
        asdict(population.people[0].latent)
    )
    record = b"\n".join(stored).decode()
    for name in truth[0]["latent"]:
        assert name not in record
    for row in truth:  # the latent numbers are not in the record either
        for value in row["latent"].values():
            if isinstance(value, float):
                assert f'"value":{value},' not in record and f":{value}}}" not in record
    again = load_population(services, population)
    assert again.unchanged == report.resources and again.created == again.updated == 0


def test_another_scenario_is_refused_before_writing(services: Services) -> None:
    load_population(services, generate(10, seed=1, states=["YUC"]))
    for other in (generate(10, seed=2, states=["YUC"]), generate(10, seed=1, states=["SON"])):
        with pytest.raises(ScenarioConflict, match="seed 1"):
            load_population(services, other)
    with services.db.read() as conn:
        assert services.repo.current(conn, "Patient", "s2-0") is None
    scenario = existing_scenario(services)
    assert scenario is not None and scenario.seed == 1 and scenario.size == 10
    assert marker(scenario)["extension"][0]["valueString"] == "1"
