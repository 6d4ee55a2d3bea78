"""What the daily job reads from the record (docs/adherence.md "Daily job and pages"), in
batches: no per-row query.

- every MedicationDispense (keyset pages of `PAGE` through FhirRepository.scan: bounded reads);
- the clinical context the model may use: HbA1c and blood-pressure Observations (found through
  the token index, read `PAGE` at a time), inpatient Encounters (supply covered by the ward:
  domain.Interruption), deaths (Patient.deceased*), each patient's state, affiliation and age;
- the rollup keys: the prescriber and the clinic of each prescription (MedicationRequest
  requester, and its Encounter's serviceProvider: two reference-index joins in one query), the
  payer of each patient (Coverage.payor), the therapy's condition group and ATC class (the
  catalog's public API for `Medication/med-<slug>`, a stored Medication's ATC coding otherwise).

Everything is returned as plain FHIR dicts or small records; turning dispenses into fills is
the reader's (adherence.reader), measuring them the measures' (adherence.measures).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Connection, select

from enlace.modules import catalog, pharmacy
from enlace.modules.adherence.domain import Interruption
from enlace.store.repository import FhirRepository
from enlace.store.schema import reference_index, token_index

PAGE = 1000
IDS_PER_QUERY = 500
HBA1C = "4548-4"
BP_PANEL = "85354-9"
SYSTOLIC = "8480-6"
CLINICAL_CODES = (HBA1C, BP_PANEL, SYSTOLIC)
INPATIENT = ("IMP", "ACUTE", "NONAC")  # Encounter.class codes of a hospital stay
# PQA excludes hospice and end-stage renal disease from PDC: ICD-10 N18.6 (ESRD), Z99.2
# (dialysis), Z51.5 (palliative care) on a Condition.
EXCLUDING_CODES = ("N18.6", "Z99.2", "Z51.5")
AFFILIATION_URL = "https://enlace.health/fhir/StructureDefinition/affiliation"


@dataclass(frozen=True, slots=True)
class PatientFacts:
    state: str | None = None
    affiliation: str | None = None
    birth_date: date | None = None
    deceased_on: date | None = None
    deceased: bool = False
    gender: str | None = None
    name: str | None = None
    home: tuple[float, float] | None = None  # latitude, longitude (address geolocation)


@dataclass(frozen=True, slots=True)
class PrescriptionKeys:
    practitioner: str | None  # Practitioner id
    clinic: str | None  # Organization id


@dataclass
class Record:
    """Everything one run reads, gathered once."""

    dispenses: list[bytes] = field(default_factory=list)  # stored JSON, as the reader reads it
    observations: list[bytes] = field(default_factory=list)
    interruptions: list[Interruption] = field(default_factory=list)
    patients: dict[str, PatientFacts] = field(default_factory=dict)
    payers: dict[str, str] = field(default_factory=dict)  # patient -> payer Organization id
    prescriptions: dict[str, PrescriptionKeys] = field(default_factory=dict)  # rx id -> keys
    excluded: set[str] = field(default_factory=set)  # patients in hospice or with ESRD
    delivered: set[str] = field(default_factory=set)  # patients with a home delivery


def every(conn: Connection, repo: FhirRepository, resource_type: str) -> Iterator[dict[str, Any]]:
    """Every current resource of a type, `PAGE` at a time (keyset on the id)."""
    for version in _versions(conn, repo, resource_type):
        yield version.resource()


def every_json(conn: Connection, repo: FhirRepository, resource_type: str) -> Iterator[bytes]:
    """The same as stored JSON (what an NDJSON export would hold): the reader parses it."""
    for version in _versions(conn, repo, resource_type):
        if version.content is not None:
            yield version.content


def _versions(conn: Connection, repo: FhirRepository, resource_type: str) -> Iterator[Any]:
    after: str | None = None
    while True:
        page = repo.scan(conn, resource_type, after=after, limit=PAGE)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].id


def gather(conn: Connection, repo: FhirRepository, as_of: date) -> Record:
    """The record as the run on `as_of` sees it: what happened after `as_of` is left out by the
    measures (a rerun of a past day reads the same dispenses up to that day)."""
    found = Record()
    found.dispenses = list(every_json(conn, repo, "MedicationDispense"))
    found.observations = clinical_observations(conn, repo)
    found.interruptions = inpatient_stays(by_token(conn, repo, "Encounter", "class", INPATIENT))
    found.patients = {str(p.get("id")): patient_facts(p) for p in dispensed_to(conn, repo)}
    found.payers = payers(every(conn, repo, "Coverage"))
    found.excluded = excluded_patients(conn)
    found.delivered = delivered_patients(conn)
    return found


def delivered_patients(conn: Connection) -> set[str]:
    """Patients the pharmacies delivered to at home (SupplyDelivery.patient, one index query)."""
    r = reference_index.c
    query = select(r.target_id).where(
        r.resource_type == "SupplyDelivery", r.param == "patient", r.target_type == "Patient"
    )
    return {str(row[0]) for row in conn.execute(query.distinct())}


def dispensed_to(conn: Connection, repo: FhirRepository) -> list[dict[str, Any]]:
    """The Patients some dispense names (the index), read in batches: a network's other
    people do not concern the job."""
    r = reference_index.c
    query = select(r.target_id).where(
        r.resource_type == "MedicationDispense", r.param == "patient", r.target_type == "Patient"
    )
    ids = sorted({str(row[0]) for row in conn.execute(query.distinct())})
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), IDS_PER_QUERY):
        chunk = repo.current_many(conn, "Patient", ids[start : start + IDS_PER_QUERY])
        found.extend(v.resource() for v in chunk.values() if not v.deleted)
    return found


def excluded_patients(conn: Connection) -> set[str]:
    """Patients with an ESRD, dialysis or palliative-care Condition (two index lookups)."""
    t, r = token_index.c, reference_index.c
    coded = select(t.resource_id).where(
        t.resource_type == "Condition", t.param == "code", t.code.in_(EXCLUDING_CODES)
    )
    query = select(r.target_id).where(
        r.resource_type == "Condition",
        r.param == "patient",
        r.target_type == "Patient",
        r.resource_id.in_(coded),
    )
    return {str(row[0]) for row in conn.execute(query)}


def clinical_observations(conn: Connection, repo: FhirRepository) -> list[bytes]:
    """HbA1c and blood-pressure Observations (ids from the token index, bodies in batches)."""
    return [
        v.content for v in _coded(conn, repo, "Observation", "code", CLINICAL_CODES) if v.content
    ]


def by_token(
    conn: Connection, repo: FhirRepository, resource_type: str, param: str, codes: Iterable[str]
) -> list[dict[str, Any]]:
    """The current resources whose token parameter has one of the codes (index, then batches):
    inpatient Encounters without decoding every visit."""
    return [v.resource() for v in _coded(conn, repo, resource_type, param, codes)]


def _coded(
    conn: Connection, repo: FhirRepository, resource_type: str, param: str, codes: Iterable[str]
) -> list[Any]:
    t = token_index.c
    query = (
        select(t.resource_id)
        .where(t.resource_type == resource_type, t.param == param, t.code.in_(list(codes)))
        .distinct()
    )
    ids = sorted(str(row[0]) for row in conn.execute(query))
    found: list[Any] = []
    for start in range(0, len(ids), IDS_PER_QUERY):
        chunk = repo.current_many(conn, resource_type, ids[start : start + IDS_PER_QUERY])
        found.extend(v for v in chunk.values() if not v.deleted)
    return found


def inpatient_stays(encounters: Iterable[dict[str, Any]]) -> list[Interruption]:
    """Hospital stays (Encounter.class inpatient, with a start) as supply interruptions; a stay
    still open ends on its start plus nothing known: it is counted to its start day only."""
    stays: list[Interruption] = []
    for encounter in encounters:
        if (encounter.get("class") or {}).get("code") not in INPATIENT:
            continue
        if encounter.get("status") in ("cancelled", "entered-in-error", "planned"):
            continue
        period = encounter.get("period") or {}
        start, end = _day(period.get("start")), _day(period.get("end"))
        patient = _ref_id(encounter.get("subject"), "Patient")
        if start and patient:
            stays.append(Interruption(patient, start, max(end or start, start)))
    return stays


def patient_facts(patient: dict[str, Any]) -> PatientFacts:
    address: dict[str, Any] = next(iter(patient.get("address") or ()), {})
    affiliation = next(
        (
            (e.get("valueCoding") or {}).get("code")
            for e in patient.get("extension") or ()
            if e.get("url") == AFFILIATION_URL
        ),
        None,
    )
    deceased_on = _day(patient.get("deceasedDateTime"))
    return PatientFacts(
        state=address.get("state"),
        affiliation=affiliation,
        birth_date=_day(patient.get("birthDate")),
        deceased_on=deceased_on,
        deceased=bool(deceased_on) or patient.get("deceasedBoolean") is True,
        gender=patient.get("gender"),
        name=display_name(patient),
        home=(home.latitude, home.longitude) if (home := pharmacy.home_of(patient)) else None,
    )


def display_name(patient: dict[str, Any]) -> str:
    """A person's name as the pages and messages show it (text, else given and family)."""
    for name in patient.get("name") or ():
        given = " ".join(str(g) for g in name.get("given") or ())
        text = name.get("text") or f"{given} {name.get('family', '')}".strip()
        if text:
            return str(text)
    return str(patient.get("id", ""))


def payers(coverages: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Each patient's payer: the payor of their active Coverage (the latest id wins a tie)."""
    found: dict[str, str] = {}
    for coverage in coverages:
        if coverage.get("status") not in (None, "active"):
            continue
        patient = _ref_id(coverage.get("beneficiary"), "Patient")
        payor = next(iter(coverage.get("payor") or ()), None)
        payer = _ref_id(payor, "Organization")
        if patient and payer:
            found[patient] = payer
    return found


def prescription_keys(conn: Connection, rx_ids: Iterable[str]) -> dict[str, PrescriptionKeys]:
    """Prescriber and clinic of each MedicationRequest, from the reference index only."""
    wanted = sorted(set(rx_ids))
    found: dict[str, PrescriptionKeys] = {}
    for start in range(0, len(wanted), IDS_PER_QUERY):
        chunk = wanted[start : start + IDS_PER_QUERY]
        practitioners = _references(conn, chunk, "requester", "Practitioner")
        clinics = _clinics(conn, chunk)
        for rx in chunk:
            found[rx] = PrescriptionKeys(practitioners.get(rx), clinics.get(rx))
    return found


def _references(conn: Connection, rx_ids: list[str], param: str, target: str) -> dict[str, str]:
    r = reference_index.c
    query = select(r.resource_id, r.target_id).where(
        r.resource_type == "MedicationRequest",
        r.resource_id.in_(rx_ids),
        r.param == param,
        r.target_type == target,
    )
    return {str(row[0]): str(row[1]) for row in conn.execute(query)}


def _clinics(conn: Connection, rx_ids: list[str]) -> dict[str, str]:
    """MedicationRequest.encounter -> Encounter.serviceProvider: two lookups by resource id
    (a join of the index with itself made SQLite scan it: 4 s for 2,000 prescriptions)."""
    encounters = _references(conn, rx_ids, "encounter", "Encounter")
    r = reference_index.c
    wanted = sorted(set(encounters.values()))
    providers: dict[str, str] = {}
    for start in range(0, len(wanted), IDS_PER_QUERY):
        query = select(r.resource_id, r.target_id).where(
            r.resource_type == "Encounter",
            r.resource_id.in_(wanted[start : start + IDS_PER_QUERY]),
            r.param == "service-provider",
            r.target_type == "Organization",
        )
        providers.update((str(row[0]), str(row[1])) for row in conn.execute(query))
    return {rx: providers[enc] for rx, enc in encounters.items() if enc in providers}


def condition_group(therapy: str) -> str | None:
    """The formulary's condition group of a therapy keyed by its ATC class ("atc:A10BA"):
    the group of the first formulary medicine in that class; None for other keys."""
    if not therapy.startswith("atc:"):
        return None
    return _groups_by_class().get(therapy.removeprefix("atc:"))


@cache
def _groups_by_class() -> dict[str, str]:
    groups: dict[str, str] = {}
    for medicine in catalog.formulary():
        groups.setdefault(medicine.atc[:5].upper(), medicine.group)
    return groups


def _ref_id(ref: Any, resource_type: str) -> str | None:
    text = str((ref or {}).get("reference", "")) if isinstance(ref, dict) else ""
    prefix = f"{resource_type}/"
    return text.removeprefix(prefix) if text.startswith(prefix) else None


def _day(raw: Any) -> date | None:
    if not raw or not isinstance(raw, str):
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None
