"""search.conditions without a database: what is unknown (None), what is a 400 naming the
parameter, the chain depth limit, and SQL that binds every value on both dialects."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from enlace.kernel.errors import FhirError
from enlace.search.conditions import SearchContext, criterion, sort_key
from enlace.search.conditions_joins import split_unescaped
from enlace.search.conditions_values import successor
from enlace.search.registry import Registry, load_registry
from enlace.store.schema import resources


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="module")
def ctx(registry: Registry) -> SearchContext:
    def indexed(resource_type: str) -> frozenset[str]:  # what the writer indexes: has an expression
        params = registry.for_type(resource_type)
        return frozenset(code for code, param in params.items() if param.expression)

    return SearchContext(registry, indexed, now_us=0)


def compile_(ctx: SearchContext, resource_type: str, name: str, value: str) -> Any:
    return criterion(ctx, resources, resource_type, name, value)


def fails(ctx: SearchContext, resource_type: str, name: str, value: str) -> FhirError:
    with pytest.raises(FhirError) as caught:
        compile_(ctx, resource_type, name, value)
    error = caught.value
    assert error.status == 400
    assert error.issues[0].expression == name
    return error


@pytest.mark.parametrize(
    ("resource_type", "name"),
    [
        ("Patient", "nonsense"),
        ("Patient", "nonsense:exact"),
        ("Patient", "_text"),
        ("Patient", "_content"),
        ("Patient", "_query"),
        ("Patient", "_filter"),
        ("Location", "near"),
        ("Observation", "subject:Patient.nonsense"),
        ("Observation", "nonsense.name"),
        ("Patient", "_has:Observation:nonsense:code"),
        ("Patient", "_has:Observation:patient:nonsense"),
        ("Group", "_has:Observation:patient:code"),  # Observation.patient never points to a Group
    ],
)
def test_unknown_parameters_are_none(ctx: SearchContext, resource_type: str, name: str) -> None:
    assert compile_(ctx, resource_type, name, "x") is None


@pytest.mark.parametrize(
    ("resource_type", "name", "value"),
    [
        ("Patient", "birthdate", "2026-13"),
        ("Patient", "birthdate", "xx2026"),
        ("Patient", "birthdate", "2026,"),
        ("Patient", "_lastUpdated", "yesterday"),
        ("RiskAssessment", "probability", "abc"),
        ("RiskAssessment", "probability", "1e999999"),
        ("RiskAssessment", "probability", "0." + "1" * 20000),
        ("Observation", "value-quantity", "5|http://unitsofmeasure.org"),
        ("Observation", "value-quantity", "5|a|b|c"),
        ("Observation", "value-quantity", "1e-999999||mg"),
        ("Observation", "subject", "Patient/"),
        ("Observation", "subject", "patient/1"),
        ("Observation", "subject:Patient", "Group/1"),
        ("Observation", "code", ""),
        ("Observation", "code", "a|b|c"),
        ("Patient", "identifier:of-type", "http://t|MR"),
        ("Patient", "family", ""),
        ("Patient", "family", "x\x00y"),
        ("Patient", "family", "\udcff"),
        ("Patient", "_id", ""),
        ("ValueSet", "url", ""),
        ("Observation", "component-code-value-quantity", "8480-6"),
        ("Observation", "component-code-value-quantity", "8480-6$1$2"),
        ("Patient", "gender", ",".join(["x"] * 101)),
        ("Patient", "gender:missing", "maybe"),
    ],
)
def test_malformed_values_are_400(
    ctx: SearchContext, resource_type: str, name: str, value: str
) -> None:
    fails(ctx, resource_type, name, value)


@pytest.mark.parametrize(
    ("resource_type", "name", "code"),
    [
        ("Patient", "gender:exact", "invalid"),
        ("Patient", "gender:contains", "invalid"),
        ("Patient", "gender:foo", "invalid"),
        ("Patient", "birthdate:exact", "invalid"),
        ("Patient", "family:text", "invalid"),
        ("Patient", "family:not", "invalid"),
        ("ValueSet", "url:exact", "invalid"),
        ("Observation", "subject:Foo", "invalid"),
        ("Observation", "subject:Organization", "invalid"),
        ("Observation", "subject:text", "invalid"),
        ("Observation", "component-code-value-quantity:exact", "invalid"),
        ("Observation", "code:above", "not-supported"),
        ("Observation", "code:below", "not-supported"),
        ("Observation", "subject:below", "not-supported"),
        ("Patient", "_id:not", "not-supported"),
        ("Patient", "_lastUpdated:missing", "not-supported"),
        ("Patient", "gender:in", "not-supported"),  # value below names an unknown ValueSet
    ],
)
def test_modifiers_the_spec_does_not_define_are_400(
    ctx: SearchContext, resource_type: str, name: str, code: str
) -> None:
    value = "http://example.org/ValueSet/unknown" if name.endswith(":in") else "x"
    error = fails(ctx, resource_type, name, value)
    assert error.issues[0].code == code


def test_unknown_value_set_is_named(ctx: SearchContext) -> None:
    error = fails(ctx, "Patient", "gender:in", "http://example.org/ValueSet/unknown")
    assert "http://example.org/ValueSet/unknown" in error.message


@pytest.mark.parametrize(
    ("resource_type", "name"),
    [
        ("Patient", "gender.name"),  # only references chain
        ("Observation", "subject.nonsense"),  # no target type has it
        ("Observation", "subject:Foo.name"),
        ("Observation", "subject."),
        ("Patient", "_has:Observation"),
        ("Patient", "_has:Observation:patient"),
        ("Patient", "_has:Foo:patient:code"),
        ("Patient", "_has:Observation:status:code"),  # not a reference
    ],
)
def test_malformed_chains_are_400(ctx: SearchContext, resource_type: str, name: str) -> None:
    fails(ctx, resource_type, name, "x")


def test_chains_are_limited_to_the_configured_depth(ctx: SearchContext) -> None:
    three = "subject:Patient.organization.partof.name"
    assert compile_(ctx, "Observation", three, "x") is not None
    four = "subject:Patient.organization.partof.partof.name"
    error = fails(ctx, "Observation", four, "x")
    assert "3" in error.message
    has = "_has:Organization:partof:" * 3 + "name"
    assert compile_(ctx, "Organization", has, "x") is not None
    deeper = "_has:Organization:partof:" * 4 + "name"
    assert "3" in fails(ctx, "Organization", deeper, "x").message
    shallow = SearchContext(ctx.registry, ctx.indexed, max_chain_depth=1)
    with pytest.raises(FhirError) as caught:
        criterion(shallow, resources, "Observation", "encounter.service-provider.name", "x")
    assert "1" in caught.value.message


@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()])
@pytest.mark.parametrize(
    ("resource_type", "name", "value"),
    [
        ("Patient", "family", "O'Brien"),
        ("Patient", "family:contains", "O'Brien%"),
        ("Patient", "identifier", "http://x|O'Brien"),
        ("Observation", "subject:Patient.name", "O'Brien"),
        ("Patient", "_has:Observation:patient:code:text", "O'Brien"),
        ("ValueSet", "url:above", "http://x/O'Brien/y"),
        ("Observation", "code-value-quantity", "O'Brien$5||mg"),
    ],
)
def test_values_are_bound_never_inlined(
    ctx: SearchContext, dialect: Any, resource_type: str, name: str, value: str
) -> None:
    sql = str(compile_(ctx, resource_type, name, value).compile(dialect=dialect))
    assert "Brien" not in sql
    assert "EXISTS" in sql or " IN (SELECT" in sql


def test_sort_keys_for_unknown_or_composite_parameters_are_none(ctx: SearchContext) -> None:
    assert sort_key(ctx, resources, "Patient", "nonsense", False) is None
    assert sort_key(ctx, resources, "Observation", "code-value-quantity", False) is None
    assert sort_key(ctx, resources, "Patient", "_id", True) is not None
    assert sort_key(ctx, resources, "Patient", "birthdate", True) is not None


def test_prefix_successor() -> None:
    assert successor("ab") == "ac"
    assert successor("a\U0010ffff") == "b"
    assert successor("\ud7ff") == "\ue000"
    assert successor("\U0010ffff") is None
    assert successor("") is None


def test_split_unescaped_keeps_escapes() -> None:
    assert split_unescaped(r"a$b\$c$", "$") == ["a", r"b\$c", ""]
