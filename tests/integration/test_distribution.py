"""The Citus placement map against the migrated schema (SQLite and PostgreSQL), and the cut-over
DDL on a throwaway PostgreSQL database: docs/scale.md."""

from __future__ import annotations

import dataclasses
import re

import pytest
from sqlalchemy import inspect

from enlace.interactions.context import Services
from enlace.store import citus, distribution, migrate
from enlace.store.database import open_database
from tests.support.postgres import PostgresUnavailable, fresh_database, postgres_server


def test_every_table_is_placed_and_fits_its_placement(services: Services) -> None:
    with services.db.read() as conn:
        found = citus.shapes(conn)
    assert len(found) > 100  # the whole schema was read, not an empty database
    assert citus.problems(found) == []
    placed_and_present = set(distribution.PLACEMENTS) & set(found)
    assert {"resources", "monitoring_readings", "adherence_scores"} <= placed_and_present


def test_a_new_patient_table_without_a_placement_fails(services: Services) -> None:
    with services.db.read() as conn:
        found = citus.shapes(conn)
    found["wound_photos"] = citus.TableShape(
        "wound_photos", {"id": False, "patient": False}, {"id": "text", "patient": "text"},
        ("id",), "wound_photos_pkey",
    )  # fmt: skip
    assert citus.problems(found) == [
        "wound_photos: not classified in enlace.store.distribution (add a Placement)"
    ]
    # Classified as distributed by patient, its primary key is the next thing that fails.
    placements = {**distribution.PLACEMENTS, "wound_photos": distribution.by_patient()}
    assert citus.problems(found, placements) == [
        "wound_photos: distributed by patient but primary key (id) lacks patient"
    ]


def test_pending_tables_still_have_their_gap(services: Services) -> None:
    """A pending table that became ready is reported, so the map cannot go stale."""
    with services.db.read() as conn:
        found = citus.shapes(conn)
    ready = dataclasses.replace(found["adherence_scores"], name="adherence_scores")
    placements = {
        **distribution.PLACEMENTS,
        "adherence_scores": distribution.pending("patient", "pretend"),
    }
    assert citus.problems({"adherence_scores": ready}, placements) == [
        "adherence_scores: pending, but ready to distribute by patient: mark it distributed"
    ]
    for name in distribution.of_kind("pending"):
        if name in found:
            where = distribution.PLACEMENTS[name]
            assert citus.key_gaps(found[name], str(where.column)), name


def test_distribute_ddl_places_each_table_once_and_anchors_each_group() -> None:
    ddl = citus.distribute_ddl()
    named = [re.search(r"\('([a-z_0-9]+)'", s).group(1) for s in ddl]  # type: ignore[union-attr]
    assert len(named) == len(set(named))
    assert set(named) == set(distribution.PLACEMENTS) - set(distribution.of_kind("local"))
    anchors = [s for s in ddl if "colocate_with => 'none'" in s]
    groups = {p.group for p in distribution.PLACEMENTS.values() if p.group}
    assert len(anchors) == len(groups)
    first_distributed = next(i for i, s in enumerate(ddl) if "distributed" in s)
    assert all("reference" in s for s in ddl[:first_distributed])


def test_cutover_ddl_makes_widenable_tables_ready_on_postgresql() -> None:
    try:
        with postgres_server() as admin, fresh_database(admin) as url:
            db = open_database(url, pool_size=1)
            try:
                migrate.upgrade(db)
                with db.read() as conn:
                    before = citus.shapes(conn)
                statements = citus.cutover_ddl(before)
                with db.begin() as conn:
                    for statement in statements:
                        conn.exec_driver_sql(statement)
                with db.read() as conn:
                    after = citus.shapes(conn)
                    seen = inspect(conn)
                    indexed = {n: [i["column_names"] for i in seen.get_indexes(n)] for n in after}
            finally:
                db.dispose()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    widened = set(citus.widenable(before, distribution.PLACEMENTS))
    assert {"monitoring_alerts", "care_appointments", "cds_cards"} <= widened
    for name in widened:
        column = str(distribution.PLACEMENTS[name].column)
        assert citus.key_gaps(before[name], column), name
        assert citus.key_gaps(after[name], column) == [], name
        old_key = list(before[name].primary_key)
        if old_key and column not in old_key:  # a read by the old key alone still has its index
            assert old_key in indexed[name], (name, indexed[name])
    # The store's tables widen with their patient key (migration 0038): history keeps one row
    # per version of a resource within the patient's shard.
    assert after["resources"].primary_key == ("patient_key", "resource_type", "id")
    assert ("patient_key", "resource_type", "id", "version_id") in [
        u.columns for u in after["resource_history"].uniques
    ]
    # A foreign key between two widened tables widens with the key it names (migration 0039
    # made every stock line name an event of its own facility): still deferred to the commit.
    assert {"inventory_events", "inventory_lines"} <= widened
    assert after["inventory_events"].primary_key == ("facility", "id")
    assert [fk for fk in after["inventory_lines"].foreign_keys if fk.to == "inventory_events"] == [
        citus.ForeignKey(
            "inventory_events",
            ("facility", "event_id"),
            ("facility", "id"),
            "fk_inventory_line_event",
            deferred=True,
        )
    ]
    # The tables that need a code change first are left as they were.
    for name in set(distribution.of_kind("pending")) - widened:
        assert after[name].primary_key == before[name].primary_key, name


def test_migration_0033_indexes_each_patient_table_by_patient(services: Services) -> None:
    from sqlalchemy import inspect

    with services.db.read() as conn:
        seen = inspect(conn)
        for table in ("care_referrals", "claims_lines", "registry_cases", "vigilance_cases"):
            leading = [i["column_names"][0] for i in seen.get_indexes(table)]
            assert "patient" in leading, table
