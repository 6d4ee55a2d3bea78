"""Care gaps per patient: pure rules over the patient's record (docs/screening.md "Care gaps").

- HbA1c every 6 months for diabetes (CASALUD: only 12.8% had one);
- foot exam and eye exam yearly for diabetes;
- a statin for diabetes aged 40-75 (ATC C10AA, or a fixed combination holding one);
- BP control: the latest BP under 140/90, or under the patient's Goal (monitoring's reading of
  Goals, `reports.bp_target`), for hypertension or diabetes;
- metformin by eGFR (LOINC 98979-8, CKD-EPI 2021): < 30 contraindicated, 30-44 reduce the dose;
- HIV viral load every 6 months on antiretrovirals (or with an HIV diagnosis);
- TB screening before a biologic and yearly while on one.

`care_gaps(conn, repo, patient)` is what pages, the worklist and the CDS `patient-view` hook call;
`gaps_for(record, today)` is the pure rule set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from enlace.modules.monitoring import reports
from enlace.modules.screening.patient_record import (
    ICD10,
    LOINC,
    SNOMED,
    Medicine,
    Record,
    codes,
    load_records,
    when,
)
from enlace.store.repository import FhirRepository

HALF_YEAR = timedelta(days=183)
YEAR = timedelta(days=365)

# Diagnoses: ICD-10 prefixes and SNOMED codes.
DIABETES = (("E10", "E11", "E12", "E13", "E14"), {"44054006", "46635009", "73211009"})
HYPERTENSION = (("I10", "I11", "I12", "I13", "I15"), {"38341003", "59621000"})
HIV = (("B20", "B21", "B22", "B23", "B24", "Z21"), {"86406008", "165816005"})

HBA1C = {"4548-4", "59261-8", "17856-6"}
SYSTOLIC, DIASTOLIC, BP_PANEL = "8480-6", "8462-4", "85354-9"
EGFR = {"98979-8", "62238-1", "33914-3", "48642-3", "48643-1"}
VIRAL_LOAD = {"20447-9", "25836-8", "10351-5"}
FOOT_EXAM = {"401191002"}  # SNOMED: diabetic foot examination
EYE_EXAM = {"134395001", "410451008"}  # SNOMED: diabetic retinopathy screening
TB_SCREENING = {"171126009", "71774-4", "71773-6"}  # SNOMED TB screening; LOINC IGRA results

STATIN = ("C10AA", "C10BA", "C10BX")
METFORMIN = ("A10BA02", "A10BD")
ARV = ("J05AE", "J05AF", "J05AG", "J05AJ", "J05AR", "J05AX")
BIOLOGIC = ("L04AB", "L04AC", "L04AF", "L04AA24", "L01FA01")
ON_TREATMENT = ("active", "on-hold", "draft")


@dataclass(frozen=True, slots=True)
class Gap:
    code: str
    title_es: str
    title_en: str
    due_since: date | None  # None: due with no known start (e.g. never done, onset unknown)
    evidence: tuple[str, ...]  # references and facts the rule read, e.g. "Observation/x"

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_es


TITLES = {
    "hba1c-due": ("HbA1c pendiente (cada 6 meses)", "HbA1c due (every 6 months)"),
    "foot-exam-due": ("Revisión de pies pendiente (anual)", "Foot exam due (yearly)"),
    "eye-exam-due": ("Revisión de ojos pendiente (anual)", "Eye exam due (yearly)"),
    "statin-missing": (
        "Sin estatina (diabetes, 40 a 75 años)",
        "No statin (diabetes, aged 40 to 75)",
    ),
    "bp-uncontrolled": ("Presión arterial fuera de meta", "Blood pressure above goal"),
    "metformin-contraindicated": (
        "Metformina contraindicada (TFGe < 30)",
        "Metformin contraindicated (eGFR < 30)",
    ),
    "metformin-reduce-dose": (
        "Reducir dosis de metformina (TFGe 30 a 44)",
        "Reduce the metformin dose (eGFR 30 to 44)",
    ),
    "viral-load-due": ("Carga viral pendiente (cada 6 meses)", "Viral load due (every 6 months)"),
    "tb-screening-due": (
        "Tamizaje de tuberculosis pendiente (biológico)",
        "TB screening due (biologic)",
    ),
}


def gap(code: str, due_since: date | None, evidence: Iterable[str]) -> Gap:
    es, en = TITLES[code]
    return Gap(code, es, en, due_since, tuple(evidence))


def care_gaps(
    conn: Connection, repo: FhirRepository, patient: str, today: date | None = None
) -> list[Gap]:
    """The patient's open care gaps, oldest first (today: the repository clock's date)."""
    day = today or repo.clock().date()
    record = load_records(conn, repo, [patient])[patient]
    return gaps_for(record, day)


def care_gaps_many(
    conn: Connection, repo: FhirRepository, patients: Iterable[str], today: date | None = None
) -> dict[str, list[Gap]]:
    """Each patient's gaps, read in one batch (the worklist and the physician panel)."""
    day = today or repo.clock().date()
    return {p: gaps_for(r, day) for p, r in load_records(conn, repo, patients).items()}


def gaps_for(record: Record, today: date) -> list[Gap]:
    found: list[Gap] = []
    diabetes = _diagnosis(record, DIABETES)
    hypertension = _diagnosis(record, HYPERTENSION)
    if diabetes is not None:
        found += _diabetes_gaps(record, today, diabetes)
    if diabetes is not None or hypertension is not None:
        found += _bp_gaps(record, today)
    found += _metformin_gaps(record, today)
    found += _arv_gaps(record, today)
    found += _biologic_gaps(record, today)
    return sorted(found, key=lambda g: (g.due_since or date.min, g.code))


# -- rules -------------------------------------------------------------------------------------
def _diabetes_gaps(record: Record, today: date, diagnosis: Mapping[str, Any]) -> list[Gap]:
    out = []
    since = when(diagnosis)
    evidence = f"Condition/{diagnosis.get('id', '')}"
    for code, wanted, every, resources in (
        ("hba1c-due", HBA1C, HALF_YEAR, record.observations),
        ("foot-exam-due", FOOT_EXAM, YEAR, (*record.procedures, *record.observations)),
        ("eye-exam-due", EYE_EXAM, YEAR, (*record.procedures, *record.observations)),
    ):
        last = _latest(resources, wanted)
        if last is None:
            out.append(gap(code, since, [evidence, "never recorded"]))
        elif last[0] + every <= today:
            out.append(gap(code, last[0] + every, [evidence, _ref(last[1])]))
    age = _age(record.birth_date, today)
    if age is not None and 40 <= age <= 75 and not _taking(record.medicines, STATIN):
        assert record.birth_date is not None  # an age implies a birth date
        forty = _birthday(record.birth_date, 40)
        out.append(gap("statin-missing", max(d for d in (since, forty) if d), [evidence]))
    return out


def _bp_gaps(record: Record, today: date) -> list[Gap]:
    readings = [
        (day, values, obs)
        for obs in record.observations
        if (day := when(obs)) and day <= today
        if (values := _bp_values(obs)) is not None
    ]
    if not readings:
        return []
    day, (systolic, diastolic), obs = max(readings, key=lambda r: (r[0], str(r[2].get("id"))))
    high_s, high_d = reports.bp_target(record.goals)
    if systolic < high_s and diastolic < high_d:
        return []
    target = f"goal < {high_s:g}/{high_d:g} mm[Hg]"
    return [gap("bp-uncontrolled", day, [_ref(obs), f"{systolic:g}/{diastolic:g}", target])]


def _metformin_gaps(record: Record, today: date) -> list[Gap]:
    on = [m for m in record.medicines if m.status in ON_TREATMENT and m.atc.startswith(METFORMIN)]
    if not on:
        return []
    last = _latest(record.observations, EGFR, today)
    if last is None:
        return []
    value = _quantity(last[1])
    if value is None or value >= 45:
        return []
    code = "metformin-contraindicated" if value < 30 else "metformin-reduce-dose"
    return [gap(code, last[0], [on[0].reference, _ref(last[1]), f"eGFR {value:g}"])]


def _arv_gaps(record: Record, today: date) -> list[Gap]:
    on = [m for m in record.medicines if m.status in ON_TREATMENT and m.atc.startswith(ARV)]
    hiv = _diagnosis(record, HIV)
    if not on and hiv is None:
        return []
    start = min((m.authored for m in on if m.authored), default=None)
    origin = [on[0].reference] if on else [f"Condition/{hiv.get('id', '')}" if hiv else ""]
    last = _latest(record.observations, VIRAL_LOAD, today)
    if last is None:
        return [
            gap(
                "viral-load-due", start or (when(hiv) if hiv else None), [*origin, "never recorded"]
            )
        ]
    if last[0] + HALF_YEAR <= today:
        return [gap("viral-load-due", last[0] + HALF_YEAR, [*origin, _ref(last[1])])]
    return []


def _biologic_gaps(record: Record, today: date) -> list[Gap]:
    on = [m for m in record.medicines if m.status in ON_TREATMENT and m.atc.startswith(BIOLOGIC)]
    if not on:
        return []
    start = min((m.authored for m in on if m.authored), default=None)
    last = _latest((*record.procedures, *record.observations), TB_SCREENING, today)
    # Before a biologic: a screening within the year before its start counts.
    if last is None or (start is not None and last[0] + YEAR <= start):
        return [gap("tb-screening-due", start, [on[0].reference, "no screening before start"])]
    if last[0] + YEAR <= today:
        return [gap("tb-screening-due", last[0] + YEAR, [on[0].reference, _ref(last[1])])]
    return []


# -- reading the record ------------------------------------------------------------------------
def _diagnosis(record: Record, kind: tuple[tuple[str, ...], set[str]]) -> Mapping[str, Any] | None:
    """The earliest active, not refuted Condition of `kind` (ICD-10 prefixes, SNOMED codes)."""
    prefixes, snomed = kind
    matches = []
    for condition in record.conditions:
        if not _active(condition):
            continue
        for system, code in codes(condition.get("code")):
            if (system == ICD10 and code.startswith(prefixes)) or (
                system == SNOMED and code in snomed
            ):
                matches.append(condition)
                break
    return min(matches, key=lambda c: (when(c) or date.max, str(c.get("id"))), default=None)


def _active(condition: Mapping[str, Any]) -> bool:
    clinical = _status(condition.get("clinicalStatus"), "active")
    verification = _status(condition.get("verificationStatus"), "confirmed")
    return clinical in ("active", "recurrence", "relapse") and verification not in (
        "refuted",
        "entered-in-error",
    )


def _status(concept: Any, default: str) -> str:
    found = [code for _, code in codes(concept)]
    return found[0] if found else default


def _latest(
    resources: Iterable[Mapping[str, Any]], wanted: set[str], today: date | None = None
) -> tuple[date, Mapping[str, Any]] | None:
    """The newest resource coded with one of `wanted` (LOINC or SNOMED), with its date."""
    best: tuple[date, Mapping[str, Any]] | None = None
    for resource in resources:
        if resource.get("status") in ("entered-in-error", "cancelled", "not-done"):
            continue
        if not any(
            code in wanted
            for system, code in codes(resource.get("code"))
            if system in (LOINC, SNOMED)
        ):
            continue
        day = when(resource)
        if day is None or (today is not None and day > today):
            continue
        if best is None or day > best[0]:
            best = (day, resource)
    return best


def _bp_values(observation: Mapping[str, Any]) -> tuple[float, float] | None:
    own = {code for _, code in codes(observation.get("code"))}
    if BP_PANEL not in own:
        return None
    parts: dict[str, float] = {}
    for component in observation.get("component") or ():
        value = _quantity(component)
        for _, code in codes(component.get("code")):
            if value is not None and code in (SYSTOLIC, DIASTOLIC):
                parts[code] = value
    if SYSTOLIC not in parts or DIASTOLIC not in parts:
        return None
    return parts[SYSTOLIC], parts[DIASTOLIC]


def _quantity(holder: Mapping[str, Any]) -> float | None:
    value = (holder.get("valueQuantity") or {}).get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _taking(medicines: Iterable[Medicine], prefixes: tuple[str, ...]) -> bool:
    return any(m.status in ON_TREATMENT and m.atc.startswith(prefixes) for m in medicines)


def _age(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _birthday(birth: date, years: int) -> date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 February
        return birth.replace(year=birth.year + years, day=28)


def _ref(resource: Mapping[str, Any]) -> str:
    return f"{resource.get('resourceType', '')}/{resource.get('id', '')}"
