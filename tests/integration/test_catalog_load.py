"""Loading the reference catalogs: complete, searchable, idempotent (SQLite and PostgreSQL), CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.modules import catalog
from enlace.security.access import Access
from tests.integration.test_authorization import ids
from tests.support.fhir_calls import call


def test_load_twice_changes_nothing(services: Services) -> None:
    expected = len(catalog.catalog_resources())
    first = catalog.load_catalogs(services)
    assert (first.created, first.updated, first.unchanged) == (expected, 0, 0)
    assert first.by_type["Medication"] >= 60
    assert {"CodeSystem", "ValueSet", "Organization", "Location"} <= set(first.by_type)
    second = catalog.load_catalogs(services)
    assert (second.created, second.updated, second.unchanged) == (0, 0, expected)
    with services.db.read() as conn:
        metformin = services.repo.read(conn, "Medication", "med-metformin-850-tab")
        location = services.repo.read(conn, "Location", "loc-clinic-l1-imss-14039")
    assert metformin.version_id == 1 and location.version_id == 1
    assert metformin.resource()["code"]["coding"][0] == {
        "system": "http://www.whocc.no/atc",
        "code": "A10BA02",
    }
    assert location.resource()["address"]["state"] == "Jalisco"


def test_loaded_catalogs_are_searchable(services: Services) -> None:
    catalog.load_catalogs(services)
    internal = Access.internal()
    by_atc = ids(call(services, internal, "GET", "Medication?code=http://www.whocc.no/atc|L04AC07"))
    assert by_atc == {
        "Medication/med-tocilizumab-162-syringe",
        "Medication/med-tocilizumab-80-vial",
    }
    gtin = catalog.medication_for("A10BA02")[0].gtin
    assert ids(call(services, internal, "GET", f"Medication?identifier={gtin}")) == {
        "Medication/med-metformin-850-tab"
    }
    in_nl = ids(
        call(services, internal, "GET", "Location?address-state=Nuevo%20Le%C3%B3n&_count=100")
    )
    assert len(in_nl) == len(catalog.facilities("19"))
    part_of = "Organization?partof=Organization/org-imss&_count=100"
    assert len(ids(call(services, internal, "GET", part_of))) == sum(
        f.institution == "imss" for f in catalog.facilities()
    )


def test_an_edited_catalog_resource_is_restored_as_a_new_version(services: Services) -> None:
    catalog.load_catalogs(services)
    with services.db.begin() as conn:
        edited = services.repo.read(conn, "Medication", "med-losartan-50-tab").resource()
        edited["status"] = "inactive"
        services.repo.update(conn, edited, "med-losartan-50-tab")
    report = catalog.load_catalogs(services)
    assert report.updated == 1
    with services.db.read() as conn:
        current = services.repo.read(conn, "Medication", "med-losartan-50-tab")
    assert current.version_id == 3 and current.resource()["status"] == "active"
    assert catalog.load_catalogs(services).updated == 0


def test_an_invalid_resource_writes_nothing(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from enlace.kernel import errors
    from enlace.modules.catalog import service

    real = service.catalog_resources

    def broken() -> list[dict[str, object]]:
        resources = real()
        resources[-1] = {**resources[-1], "status": "not-a-status"}
        return resources

    monkeypatch.setattr(service, "catalog_resources", broken)
    with pytest.raises(errors.FhirError) as raised:
        catalog.load_catalogs(services)
    assert "Location/" in raised.value.issues[0].diagnostics
    with services.db.read() as conn:
        assert services.repo.current(conn, "Medication", "med-metformin-850-tab") is None


def test_cli_catalog_load(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    total = len(catalog.catalog_resources())
    first = runner.invoke(app, ["catalog", "load"])
    assert first.exit_code == 0, first.output
    assert f"{total} catalog resources: {total} created, 0 updated, 0 unchanged" in first.output
    assert "Medication\t" in first.output
    second = runner.invoke(app, ["catalog", "load"])
    assert second.exit_code == 0, second.output
    assert f"0 created, 0 updated, {total} unchanged" in second.output
