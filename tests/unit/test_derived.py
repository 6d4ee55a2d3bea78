"""search.derived: which parameters are unions or combinations of others (no rows of their own)."""

from __future__ import annotations

from enlace.search.derived import RootComposite, Union, UnionComposite, derived
from enlace.search.index_writer import SearchIndexer
from enlace.search.registry import load_registry

OBSERVATION = {
    "combo-code": Union(("code", "component-code")),
    "combo-data-absent-reason": Union(("component-data-absent-reason", "data-absent-reason")),
    "combo-value-concept": Union(("component-value-concept", "value-concept")),
    # value-quantity also reads `value as SampledData`, which never gives a quantity row
    "combo-value-quantity": Union(("component-value-quantity", "value-quantity")),
    "code-value-concept": RootComposite(("code", "value-concept")),
    # `value.as(DateTime)` narrows as `value as dateTime` does (expression_compiler)
    "code-value-date": RootComposite(("code", "value-date")),
    "code-value-quantity": RootComposite(("code", "value-quantity")),
    "combo-code-value-concept": UnionComposite(
        ("component-code-value-concept", "code-value-concept")
    ),
    "combo-code-value-quantity": UnionComposite(
        ("component-code-value-quantity", "code-value-quantity")
    ),
}


def test_observation() -> None:
    found = dict(derived(load_registry(), "Observation"))
    assert found == OBSERVATION
    # value-string also reads `(value as CodeableConcept).text`, the component `value.as(string)`
    # does not: not the same rows, so code-value-string keeps its own
    assert "code-value-string" not in found
    # over Observation.component: its rows are the only ones with a component's grp
    assert "component-code-value-quantity" not in found


def test_only_observation_has_derived_parameters_in_r4() -> None:
    registry = load_registry()
    every = {
        (resource_type, code)
        for resource_type in registry.resource_types
        for code in derived(registry, resource_type)
    }
    assert len(every) == 9
    assert {resource_type for resource_type, _ in every} == {"Observation"}
    # no reference parameter is derived: chains, includes and compartments read them by code
    assert all(registry.get(t, c).type != "reference" for t, c in every)  # type: ignore[union-attr]


def test_aliases_are_searchable_with_rows_and_strictly_smaller() -> None:
    registry = load_registry()
    indexer = SearchIndexer(registry)
    found = derived(registry, "Observation")
    codes = indexer.indexed_codes("Observation")
    assert set(found) <= codes  # derived parameters stay searchable
    for how in found.values():
        if isinstance(how, Union):
            aliases = how.codes
        elif isinstance(how, RootComposite):
            aliases = how.component_codes
        else:
            aliases = how.composite_codes
        assert set(aliases) <= codes
        # an alias is never a union of the same kind again, so the expansion ends
        assert not any(isinstance(found.get(alias), type(how)) for alias in aliases)


def test_derived_parameters_write_no_rows() -> None:
    indexer = SearchIndexer(load_registry())
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "valueQuantity": {"value": 1, "system": "http://unitsofmeasure.org", "code": "%"},
        "component": [{"code": {"text": "x"}, "valueQuantity": {"value": 2, "unit": "u"}}],
    }
    tables = indexer.rows("Observation", "o1", observation).tables
    params = {row[2].partition("$")[0] for rows in tables.values() for row in rows}
    assert params.isdisjoint(OBSERVATION)
    assert {"code", "component-code", "value-quantity", "component-code-value-quantity"} <= params


def test_cached_per_registry_and_type() -> None:
    registry = load_registry()
    assert derived(registry, "Observation") is derived(registry, "Observation")
    assert derived(registry, "Patient") == {}


def test_a_custom_parameter_that_copies_another_is_not_derived() -> None:
    """Two parameters with the same expression would be aliases of each other: neither is."""
    registry = load_registry().with_custom(
        {
            "resourceType": "SearchParameter",
            "url": "http://example.org/sp/status-copy",
            "code": "status-copy",
            "type": "token",
            "base": ["Observation"],
            "expression": "Observation.status",
        }
    )
    found = derived(registry, "Observation")
    assert "status-copy" not in found and "status" not in found
    custom = registry.with_custom(
        {
            "resourceType": "SearchParameter",
            "url": "http://example.org/sp/status-or-code",
            "code": "status-or-code",
            "type": "token",
            "base": ["Observation"],
            "expression": "Observation.status | Observation.code",
        }
    )
    assert derived(custom, "Observation")["status-or-code"] == Union(("code", "status"))
