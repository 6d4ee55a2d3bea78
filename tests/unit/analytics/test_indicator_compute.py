"""Indicators over hand-made populations: each expected value is counted by hand in the
comment next to it."""

from __future__ import annotations

import pytest

from enlace.kernel import errors
from enlace.modules.analytics import indicators
from enlace.modules.analytics.indicators.compute import EMPTY
from enlace.modules.analytics.indicators.library import pick
from tests.unit.analytics.indicator_population import Population

SEPT = indicators.parse_period("2026-09")


def _network(pop: Population) -> None:
    pop.organization("imss", "IMSS")
    pop.organization("red-gdl", "Red Guadalajara", "imss", "14")
    pop.organization("c1", "UMF 1", "red-gdl", "14")
    pop.organization("c2", "UMF 2", "red-gdl", "14")
    pop.organization("ssa", "Secretaría de Salud")
    pop.organization("c3", "Centro de Salud 3", "ssa", "15")


def _diabetic(pop: Population, pid: str, clinic: str, a1c: float | None, **kw: object) -> None:
    pop.patient(pid, clinic, **kw)  # type: ignore[arg-type]
    pop.condition(pid, "E11.9")
    if a1c is not None:
        pop.observation(pid, "4548-4", a1c, "2026-09-10T08:00:00Z")


def _by(cells: list[indicators.Cell], indicator: str) -> dict[str, indicators.Cell]:
    return {c.unit: c for c in cells if c.indicator == indicator}


@pytest.fixture
def diabetes() -> Population:
    """c1: 12 diabetics (HbA1c 6.5 x 7, 9.5 x 3, none x 2); c2: 11 (6.0 x 11);
    c3: 5 (8.0 x 5); plus one dead and one aged 80 in c1, outside 18-75."""
    pop = Population()
    _network(pop)
    for i in range(12):
        _diabetic(pop, f"a{i}", "c1", 6.5 if i < 7 else 9.5 if i < 10 else None,
                  physician="dr-ana" if i < 6 else "dr-beto")  # fmt: skip
    for i in range(11):
        _diabetic(pop, f"b{i}", "c2", 6.0, physician="dr-carla")
    for i in range(5):
        _diabetic(pop, f"c{i}", "c3", 8.0, physician="dr-dora")
    _diabetic(pop, "dead", "c1", 6.5, deceased=True)
    _diabetic(pop, "old", "c1", 6.5, born="1945-01-01")
    return pop


def test_hba1c_control_per_clinic_with_identities(diabetes: Population) -> None:
    cells = indicators.compute_on(diabetes.con, indicators.catalog(), SEPT, "clinic",
                                  identities=True)  # fmt: skip
    lt7, gt9 = _by(cells, "dm2_hba1c_lt7"), _by(cells, "cms122_hba1c_gt9")
    assert (lt7["c1"].numerator, lt7["c1"].denominator, lt7["c1"].value) == (7, 12, 58.33)
    assert (lt7["c2"].numerator, lt7["c2"].value) == (11, 100.0)
    assert lt7["c3"].value == 0.0
    # CMS122: HbA1c > 9 (3) or missing (2) of 12; lower is better
    assert (gt9["c1"].numerator, gt9["c1"].value) == (5, 41.67)
    assert indicators.BY_ID["cms122_hba1c_gt9"].direction == indicators.LOWER


def test_levels_roll_up_the_organization_tree(diabetes: Population) -> None:
    def value(level: str) -> dict[str, tuple[float | None, float | None]]:
        cells = indicators.compute_on(diabetes.con, [indicators.BY_ID["dm2_hba1c_lt7"]], SEPT,
                                      level, identities=True)  # fmt: skip
        return {c.unit: (c.numerator, c.denominator) for c in cells}

    assert value("national") == {"MX": (18, 28)}  # 7 + 11 + 0 of 12 + 11 + 5
    assert value("state") == {"14": (18, 23), "15": (0, 5)}
    assert value("institution") == {"imss": (18, 23), "ssa": (0, 5)}
    # c1/c2 sit under a network organization; c3's parent is the institution itself, so its
    # network is the institution within the state
    assert value("network") == {"red-gdl": (18, 23), "ssa:15": (0, 5)}
    # the dead and the 80-year-old have no physician: listed, with an empty population
    assert value("physician") == {"dr-ana": (6, 6), "dr-beto": (1, 6), "dr-carla": (11, 11),
                                  "dr-dora": (0, 5), "-": (0, 0)}  # fmt: skip


def test_drill_down_inside_a_unit_and_patient_list(diabetes: Population) -> None:
    chosen = [indicators.BY_ID["dm2_hba1c_lt7"]]
    cells = indicators.compute_on(diabetes.con, chosen, SEPT, "clinic", ("state", "14"), True)
    assert [c.unit for c in cells] == ["c1", "c2"]
    patients = indicators.patient_list(diabetes.con, "dm2_hba1c_lt7", SEPT,
                                       ("physician", "dr-beto"), identities=True)  # fmt: skip
    assert {c.unit: c.numerator for c in patients} == {f"a{i}": (1 if i == 6 else 0)
                                                        for i in range(6, 12)}  # fmt: skip
    assert patients[0].name == "a10 Pérez"


def test_patient_level_needs_identity_rights(diabetes: Population) -> None:
    with pytest.raises(errors.FhirError) as refused:
        indicators.patient_list(diabetes.con, "dm2_hba1c_lt7", SEPT, ("clinic", "c1"), False)
    assert refused.value.status == 403


@pytest.mark.parametrize(
    ("level", "within", "where"),
    [("county", None, "level"), ("clinic", ("physician", "x"), "unit")],
)
def test_bad_level_or_unit_is_400(diabetes: Population, level: str,
                                  within: tuple[str, str] | None, where: str) -> None:  # fmt: skip
    with pytest.raises(errors.FhirError) as bad:
        indicators.compute_on(diabetes.con, indicators.catalog(), SEPT, level, within, True)
    assert bad.value.status == 400
    assert where in str(bad.value.outcome)


def test_empty_population_is_not_computable_never_zero(diabetes: Population) -> None:
    cells = indicators.compute_on(diabetes.con, [indicators.BY_ID["obesity_bmi_lt30"]], SEPT,
                                  "clinic", identities=True)  # fmt: skip
    assert {(c.value, c.reason) for c in cells} == {(None, EMPTY)}


def test_period_without_data_is_not_computable(diabetes: Population) -> None:
    cells = indicators.compute_on(diabetes.con, [indicators.BY_ID["cms122_hba1c_gt9"]],
                                  indicators.parse_period("2027-03"), "national", None, True)  # fmt: skip
    assert cells[0].value is None
    assert cells[0].reason == "not computable: no data recorded in the period"


def test_no_source_indicators_say_why() -> None:
    by_id = indicators.BY_ID
    assert not by_id["stockout_labs"].computable
    pop = Population()
    _network(pop)
    _diabetic(pop, "x", "c1", 6.0)
    cells = indicators.compute_on(pop.con, [by_id["stockout_labs"]], SEPT, "national",
                                  identities=True)  # fmt: skip
    assert cells[0].value is None
    assert "laboratory" in (cells[0].reason or "")


def test_unknown_indicator_is_400() -> None:
    with pytest.raises(errors.FhirError) as bad:
        pick(["dm2_hba1c_lt7", "nope"])
    assert bad.value.status == 400
    assert "nope" in str(bad.value.outcome)
