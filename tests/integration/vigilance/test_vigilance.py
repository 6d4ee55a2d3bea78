"""Pharmacovigilance on both stores: capture (patients in words, clinicians coded), refusal of a
report without a suspect drug, signal detection on a hand-made report set with a seeded
association, the review workflow, ICSR XML, the line listing and the overdue list."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.kernel.errors import FhirError
from enlace.modules import vigilance
from enlace.modules.vigilance.tables import cases

T0 = epoch_us(datetime(2026, 3, 2, 12, tzinfo=UTC))
DAY = 86_400_000_000
X = vigilance.SuspectDrug("drug-x", "Droga X 10 mg")
Y = vigilance.SuspectDrug("drug-y", "Droga Y 5 mg")
Z = vigilance.SuspectDrug("drug-z", "Droga Z 1 g")
RASH = ("10037844", "Rash")
NAUSEA = ("10028813", "Nausea")
HEADACHE = ("10019211", "Headache")


def patient(services: Services, pid: str = "p1") -> str:
    with services.db.begin() as conn:
        services.repo.create(
            conn,
            {
                "resourceType": "Patient",
                "name": [{"given": ["Ana", "María"], "family": "López Ruiz"}],
                "gender": "female",
                "birthDate": "1961-05-04",
            },
            resource_id=pid,
        )
    return pid


def count_cases(services: Services) -> int:
    with services.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(cases)).scalar_one())


def test_report_without_suspect_drug_is_refused_and_nothing_written(services: Services) -> None:
    pid = patient(services)
    with pytest.raises(FhirError) as caught, services.db.begin() as conn:
        vigilance.from_patient(conn, services.repo, pid, None, "me dio tos", None, False, T0)
    outcome = caught.value.outcome()["issue"][0]
    assert caught.value.status == 400
    assert outcome["code"] == "required"
    assert outcome["expression"] == ["AdverseEvent.suspectEntity"]
    with pytest.raises(FhirError) as coded, services.db.begin() as conn:
        vigilance.from_clinician(conn, services.repo, pid, "dr1", X, None, None, True, True, T0)
    assert coded.value.status == 400
    assert count_cases(services) == 0


def test_patient_words_become_a_coded_adverse_event_with_deadline(services: Services) -> None:
    pid = patient(services)
    with services.db.begin() as conn:
        got = vigilance.from_patient(
            conn, services.repo, pid, X, "Me salió salpullido", date(2026, 3, 1), True, T0
        )
        minor = vigilance.from_patient(conn, services.repo, pid, Y, "siento mareo", None, False, T0)
        event = services.repo.read(conn, "AdverseEvent", got.case_id).resource()
    assert got.reaction.code == "10037844"
    assert event["event"]["coding"][0]["code"] == "10037844"
    assert event["event"]["text"] == "Me salió salpullido"
    assert event["suspectEntity"][0]["instance"]["reference"] == "#suspect"
    assert event["contained"][0]["code"]["text"] == "Droga X 10 mg"
    assert event["seriousness"]["coding"][0]["code"] == "serious"
    # serious, counted unexpected (a patient cannot say): 15 calendar days; not serious: 30
    assert (got.rule, got.due_us) == ("serious-unexpected", T0 + 15 * DAY)
    assert (minor.rule, minor.due_us) == ("not-serious", T0 + 30 * DAY)
    with services.db.read() as conn:
        assert vigilance.overdue(conn, T0 + 16 * DAY)[0].case_id == got.case_id
        assert [o.case_id for o in vigilance.overdue(conn, T0 + 31 * DAY)] == [
            got.case_id,
            minor.case_id,
        ]
    with services.db.begin() as conn:
        vigilance.mark_submitted(conn, got.case_id, T0 + DAY)
    with services.db.read() as conn:
        assert [o.case_id for o in vigilance.overdue(conn, T0 + 31 * DAY)] == [minor.case_id]


def seeded_set(services: Services, pid: str, x_rash: int = 6) -> None:
    """X raises rash: X rash 6, X nausea 4; Y and Z rash 2, nausea 20, headache 20 each."""
    plan = [(X, RASH, x_rash), (X, NAUSEA, 4)]
    for drug in (Y, Z):
        plan += [(drug, RASH, 2), (drug, NAUSEA, 20), (drug, HEADACHE, 20)]
    with services.db.begin() as conn:
        for drug, reaction, n in plan:
            for _ in range(n):
                vigilance.from_clinician(
                    conn, services.repo, pid, "dr1", drug, reaction, None, False, True, T0
                )


def test_seeded_pair_flagged_by_all_three_methods_and_reviewed(services: Services) -> None:
    pid = patient(services)
    seeded_set(services, pid)
    with services.db.begin() as conn:
        found = vigilance.detect(conn, T0)
    by_pair = {(s.drug, s.event): s for s in found}
    seeded = by_pair[("drug-x", "10037844")]
    # a=6 b=4 c=4 d=80 (N=94): PRR = 0.6/(4/84) = 12.6; Yates chi2 = 94(|480-16|-47)^2
    # /(10*84*10*84) = 23.165; ROR = 480/16 = 30, lower 5.965; E = 10*10/94 = 1.0638,
    # IC = log2(6.5/1.5638) = 2.0554, IC025 = 2.0554 - 3.3/sqrt(6.5) - 2/6.5^1.5 = 0.6403
    f = seeded.figures
    assert (f["a"], f["b"], f["c"], f["d"]) == (6, 4, 4, 80)
    assert f["prr"] == pytest.approx(12.6)
    assert f["chi2"] == pytest.approx(23.165, abs=1e-3)
    assert f["ror_lower"] == pytest.approx(5.965, abs=1e-3)
    assert f["ic025"] == pytest.approx(0.6403, abs=1e-3)
    assert seeded.methods == ("PRR", "ROR", "IC") and seeded.status == "new"
    assert [key for key, s in by_pair.items() if len(s.methods) == 3] == [("drug-x", "10037844")]

    with services.db.begin() as conn:
        vigilance.review(conn, "drug-x", "10037844", "under_review", "qfb.ana", "5 casos", T0 + 1)
        done = vigilance.review(
            conn, "drug-x", "10037844", "confirmed", "dr.luis", "dechallenge positivo", T0 + 2
        )
    assert (done.status, done.updated_by, done.reason) == (
        "confirmed",
        "dr.luis",
        "dechallenge positivo",
    )
    with pytest.raises(FhirError) as bad_move, services.db.begin() as conn:
        vigilance.review(conn, "drug-x", "10037844", "refuted", "dr.luis", "no", T0 + 3)
    assert bad_move.value.status == 409
    with pytest.raises(FhirError) as no_reason, services.db.begin() as conn:
        vigilance.review(conn, "drug-x", "10037844", "under_review", "dr.luis", " ", T0 + 3)
    assert no_reason.value.status == 400
    with services.db.begin() as conn:
        again = vigilance.detect(conn, T0 + 4)  # a new run keeps the review state
        steps = vigilance.history(conn, "drug-x", "10037844")
    assert {(s.drug, s.event): s.status for s in again}[("drug-x", "10037844")] == "confirmed"
    assert [(h["from_status"], h["to_status"], h["actor"]) for h in steps] == [
        ("new", "under_review", "qfb.ana"),
        ("under_review", "confirmed", "dr.luis"),
    ]


def test_icsr_xml_and_line_listing(services: Services) -> None:
    pid = patient(services)
    with services.db.begin() as conn:
        case = vigilance.from_patient(
            conn, services.repo, pid, X, "tos seca & <fuerte>", date(2026, 3, 1), True, T0
        )
        odd = vigilance.from_patient(
            conn, services.repo, pid, Y, "me siento rara", None, False, T0 + 1
        )
        document = vigilance.icsr_xml(conn, services.repo, case.case_id, "ENLACE-MX")
        listing = vigilance.line_listing(conn, services.repo, None)
    ns = {"h": "urn:hl7-org:v3"}
    root = ET.fromstring(document)
    assert root.tag == "{urn:hl7-org:v3}MCCI_IN200100UV01"
    assert root.find(".//h:player1/h:name", ns).text == "AMLR"  # type: ignore[union-attr]
    gender = root.find(".//h:player1/h:administrativeGenderCode", ns)
    assert gender is not None and gender.get("code") == "2"
    reaction = root.find(".//h:primaryRole/h:subjectOf2/h:observation/h:value", ns)
    assert reaction is not None and reaction.get("code") == "10011224"
    assert root.find(".//h:kindOfProduct/h:name", ns).text == "Droga X 10 mg"  # type: ignore[union-attr]
    assert root.find(".//h:assignedEntity/h:code", ns).get("code") == "5"  # type: ignore[union-attr]
    rows = list(csv.DictReader(io.StringIO(listing)))
    assert [r["caso"] for r in rows] == [case.case_id, odd.case_id]
    assert rows[0]["reaccion_meddra"] == "10011224" and rows[0]["grave"] == "si"
    assert rows[1]["reaccion_meddra"] == "" and rows[1]["reaccion"] == "me siento rara"
    assert rows[0]["fecha_limite"] == "2026-03-17" and rows[1]["fecha_limite"] == "2026-04-01"
    with pytest.raises(FhirError) as missing, services.db.read() as conn:
        vigilance.icsr_xml(conn, services.repo, "nope", "ENLACE-MX")
    assert missing.value.status == 404
