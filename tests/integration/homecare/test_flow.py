"""Done-when: a home infusion is scheduled from its prescription, routed with the delivery
solver and documented (MedicationAdministration + vitals in the store); missed visits escalate
once; another nurse may not document it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import homecare
from tests.integration.homecare.support import DAY, setup

NOON = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)  # 12:00 in Mexico City
RECORD = homecare.VisitRecord(
    vitals={"heart-rate": 78, "systolic": 124, "diastolic": 79, "temperature": 36.6},
    administration=homecare.Administration(lot="RTX-7", dose=500, unit="mg"),
    note="Infusión sin reacción; 4 h de observación indicadas.",
)


def test_a_home_infusion_is_scheduled_routed_and_documented(services: Services) -> None:
    patient, need = setup(services)
    with services.db.begin() as conn:
        result = homecare.plan_day(conn, DAY)
        assert homecare.plan_day(conn, DAY).unassigned == ()  # re-planning: same single visit
    (assigned,) = result.assignments
    # 0.01° of latitude is 1.11 km, 1.45 km of road at 20 km/h: 5 min from 08:00, then the
    # visit waits for its window to open at 09:00.
    assert (assigned.nurse_id, assigned.sequence, assigned.start_minute) == ("ana", 1, 540)
    with services.db.begin() as conn:
        (visit,) = homecare.day_visits(conn, DAY, nurse="ana")
        assert (visit.status, visit.patient, visit.kind) == ("planned", patient, "infusion")
        assert homecare.schedule_day(conn, DAY.replace(day=27)) == []  # not due the next day
        written = homecare.document_visit(conn, services.repo, visit.id, "ana", RECORD, NOON)
    kinds = sorted(ref.split("/")[0] for ref in written)
    assert kinds == ["MedicationAdministration"] + ["Observation"] * 4
    with services.db.read() as conn:
        given = services.repo.read(conn, "MedicationAdministration", written[-1].split("/")[1])
        resource = given.resource()
        assert resource["subject"]["reference"] == f"Patient/{patient}"
        assert resource["contained"][0]["batch"]["lotNumber"] == "RTX-7"
        assert resource["dosage"]["dose"]["value"] == 500
        assert resource["performer"][0]["actor"]["reference"] == "Practitioner/ana"
        systolic = [
            services.repo.read(conn, "Observation", ref.split("/")[1]).resource()
            for ref in written
            if ref.startswith("Observation/")
        ]
        codes = {o["code"]["coding"][0]["code"]: o["valueQuantity"]["value"] for o in systolic}
        assert codes == {"8867-4": 78, "8480-6": 124, "8462-4": 79, "8310-5": 36.6}
        (after,) = homecare.day_visits(conn, DAY)
        assert after.status == "documented"
    assert need.startswith("mr-")


def test_another_nurse_may_not_document_and_twice_is_refused(services: Services) -> None:
    setup(services)
    with services.db.begin() as conn:
        homecare.plan_day(conn, DAY)
        (visit,) = homecare.day_visits(conn, DAY)
    with services.db.begin() as conn, pytest.raises(errors.FhirError) as refused:
        homecare.document_visit(conn, services.repo, visit.id, "bea", RECORD, NOON)
    assert refused.value.status == 403
    assert "not assigned to Practitioner/bea" in refused.value.message
    with services.db.begin() as conn:
        homecare.document_visit(conn, services.repo, visit.id, "ana", RECORD, NOON)
    with services.db.begin() as conn, pytest.raises(errors.FhirError) as again:
        homecare.document_visit(conn, services.repo, visit.id, "ana", RECORD, NOON)
    assert again.value.status == 409


def test_a_missed_visit_escalates_to_the_coordinator_once(services: Services) -> None:
    setup(services)
    with services.db.begin() as conn:
        homecare.plan_day(conn, DAY)
        # 13:59 local: the window (until 14:00) is still open.
        assert (
            homecare.escalate_missed(
                conn, services.repo, datetime(2026, 11, 26, 19, 59, tzinfo=UTC)
            )
            == []
        )
        late = datetime(2026, 11, 26, 20, 1, tzinfo=UTC)
        (missed,) = homecare.escalate_missed(conn, services.repo, late)
        assert homecare.escalate_missed(conn, services.repo, late) == []
        visit = homecare.get_visit(conn, missed)
        assert visit is not None and visit.status == "missed" and visit.task
        task = services.repo.read(conn, "Task", visit.task).resource()
    assert task["status"] == "requested" and task["priority"] == "urgent"
    assert task["owner"]["reference"] == homecare.COORDINATOR
    assert task["code"]["coding"][0]["code"] == "missed-visit"
    # Documented late: the visit is closed and so is the coordinator's Task.
    with services.db.begin() as conn:
        homecare.document_visit(conn, services.repo, missed, "ana", RECORD, late)
        closed = services.repo.read(conn, "Task", visit.task).resource()
    assert closed["status"] == "completed"
