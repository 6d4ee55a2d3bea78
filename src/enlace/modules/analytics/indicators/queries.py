"""SQL building blocks the indicator definitions share (DuckDB dialect, over the materialized
views; `pop` is the attributed population compute.py builds for the period).

Placeholders filled per period: {start} and {end} (the period, end exclusive), {y1} (12 months
before the end: the measurement window), {m6} and {m18} (6 and 18 months before the end).
Dates are ISO text, so comparing them as strings orders them.
"""

from __future__ import annotations

FINAL = "status IN ('final', 'amended', 'corrected')"

HBA1C = ("4548-4",)
GLUCOSE = ("41653-7", "14743-9", "1558-6", "2345-7", "4548-4")
FASTING_GLUCOSE = ("1558-6",)
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
BMI, WAIST = "39156-5", "8280-0"
CHOLESTEROL = ("2093-3",)
LDL = ("13457-7", "18262-6")
FOOT_EXAM = ("401191002",)  # SNOMED, as screening/care_gaps.py counts it
EYE_EXAM = ("134395001", "410451008")

DM2 = ("E11",)
HYPERTENSION = ("I10", "I11", "I12", "I13", "I15")
OBESITY = ("E66",)
DYSLIPIDEMIA = ("E78",)
CHRONIC = (*DM2, *HYPERTENSION, *OBESITY, *DYSLIPIDEMIA)
END_STAGE_RENAL = ("N18.5", "N18.6", "Z99.2")
PREGNANCY = ("O", "Z33", "Z34")


def codes(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def diagnosed(prefixes: tuple[str, ...]) -> str:
    """Patients with an active diagnosis whose ICD-10 code starts with one of `prefixes`
    (from `dx`, built once per period by frame.py from DIAGNOSES)."""
    like = " OR ".join(f"code LIKE '{p}%'" for p in prefixes)
    return f"SELECT DISTINCT patient_id FROM dx WHERE {like}"


def latest(wanted: tuple[str, ...], name: str) -> str:
    """Each patient's newest value of `wanted` in the 12-month window, as column `name` (from
    `latest_values`: the newest value per patient and code, built once per period)."""
    return (
        f"SELECT patient_id, arg_max(value, effective) AS {name} FROM latest_values "
        f"WHERE code IN ({codes(wanted)}) GROUP BY patient_id"
    )


def recorded(wanted: tuple[str, ...]) -> str:
    """Patients with an observation (valued or not) or a completed procedure coded `wanted`
    in 12 months (from `seen_codes`, built once per period)."""
    return f"SELECT DISTINCT patient_id FROM seen_codes WHERE code IN ({codes(wanted)})"


# Per-period working tables frame.py creates before any indicator runs (same placeholders).
DIAGNOSES = (
    "SELECT DISTINCT patient_id, code FROM condition_list "
    "WHERE coalesce(clinical_status, 'active') IN ('active', 'recurrence', 'relapse') "
    "AND coalesce(onset, recorded, '0000') < '{end}'"
)
LATEST_VALUES = (
    "SELECT patient_id, code, max(effective) AS effective, arg_max(value, effective) AS value "
    f"FROM observation_values WHERE {FINAL} AND value IS NOT NULL "
    "AND effective >= '{y1}' AND effective < '{end}' GROUP BY patient_id, code"
)
SEEN_CODES = (
    f"SELECT DISTINCT patient_id, code FROM observation_values WHERE {FINAL} "
    "AND effective >= '{y1}' AND effective < '{end}' "
    "UNION SELECT patient_id, code FROM indicator_procedures WHERE status = 'completed' "
    "AND performed >= '{y1}' AND performed < '{end}'"
)


def both(first: str, second: str) -> str:
    """Patients in both queries (each wrapped, so set operators never mix precedence)."""
    return f"SELECT patient_id FROM ({first}) INTERSECT SELECT patient_id FROM ({second})"


def minus(first: str, second: str) -> str:
    return f"SELECT patient_id FROM ({first}) EXCEPT SELECT patient_id FROM ({second})"


# The lowest systolic and diastolic of each patient's most recent day with both (CMS165);
# built once per period as `latest_bp`.
BP_OF_LATEST_DAY = (
    "SELECT patient_id, arg_min(sys, day) FILTER (WHERE rnk = 1) AS sys, "
    "arg_min(dia, day) FILTER (WHERE rnk = 1) AS dia FROM ("
    " SELECT patient_id, day, sys, dia, row_number() OVER (PARTITION BY patient_id "
    " ORDER BY day DESC) AS rnk FROM ("
    f"  SELECT patient_id, substr(effective, 1, 10) AS day, "
    f"  min(value) FILTER (WHERE code = '{SYSTOLIC}') AS sys, "
    f"  min(value) FILTER (WHERE code = '{DIASTOLIC}') AS dia FROM observation_values "
    f"  WHERE code IN ('{SYSTOLIC}', '{DIASTOLIC}') AND {FINAL} AND value IS NOT NULL "
    "  AND effective >= '{y1}' AND effective < '{end}' GROUP BY patient_id, day"
    " ) WHERE sys IS NOT NULL AND dia IS NOT NULL"
    ") GROUP BY patient_id"
)

# Any contact with the clinic: an encounter or a final observation.
CONTACTS = (
    "SELECT patient_id, start AS seen_at FROM indicator_encounters "
    "WHERE status NOT IN ('cancelled', 'entered-in-error') "
    f"UNION ALL SELECT patient_id, effective AS seen_at FROM observation_values WHERE {FINAL}"
)


def population(where: str) -> str:
    return f"SELECT patient_id FROM pop WHERE alive AND {where}"


def in_population(where: str, diagnosis: tuple[str, ...]) -> str:
    return population(f"{where} AND patient_id IN ({diagnosed(diagnosis)})")


# -- populations and shapes of indicator rows -------------------------------------------------
def yes(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def share(denominator: str, numerator_ids: str) -> str:
    """One row per denominator patient: num 1 when the patient is in `numerator_ids`."""
    return (
        f"SELECT d.patient_id, {yes('n.patient_id IS NOT NULL')} AS num, 1 AS den "
        f"FROM ({denominator}) d LEFT JOIN (SELECT DISTINCT patient_id FROM ({numerator_ids})) n "
        "USING (patient_id)"
    )


def latest_share(denominator: str, joins: str, condition: str) -> str:
    return f"SELECT d.patient_id, {yes(condition)} AS num, 1 AS den FROM ({denominator}) d {joins}"


ADULTS = population("age >= 20")
UNDIAGNOSED_ADULTS = population(
    f"age >= 20 AND patient_id NOT IN ({diagnosed((*DM2, *HYPERTENSION))})"
)
DM2_18_75 = in_population("age BETWEEN 18 AND 75", DM2)
DM2_ADULTS = in_population("age >= 18", DM2)
HTN_ADULTS = in_population("age >= 18", HYPERTENSION)
HTN_18_85 = in_population(
    f"age BETWEEN 18 AND 85 AND patient_id NOT IN ({diagnosed(END_STAGE_RENAL)}) "
    f"AND patient_id NOT IN ({diagnosed(PREGNANCY)})",
    HYPERTENSION,
)
CHRONIC_PATIENTS = in_population("TRUE", CHRONIC)


def health_status() -> str:
    """Adults diagnosed or measured in 12 months: status 2 diseased (a chronic diagnosis),
    1 at risk (overweight, impaired glucose or HbA1c, high-normal blood pressure), 0 healthy."""
    at_risk = (
        "bmi >= 25 OR fg BETWEEN 100 AND 125 OR a1c BETWEEN 5.7 AND 6.49 "
        "OR bp.sys >= 130 OR bp.dia >= 85"
    )
    return (
        "SELECT a.patient_id, CASE WHEN dx.patient_id IS NOT NULL THEN 2 "
        f"WHEN {at_risk} THEN 1 ELSE 0 END AS status FROM ({ADULTS}) a "
        f"LEFT JOIN ({diagnosed(CHRONIC)}) dx USING (patient_id) "
        f"LEFT JOIN ({latest((BMI,), 'bmi')}) USING (patient_id) "
        f"LEFT JOIN ({latest(FASTING_GLUCOSE, 'fg')}) USING (patient_id) "
        f"LEFT JOIN ({latest(HBA1C, 'a1c')}) USING (patient_id) "
        f"LEFT JOIN latest_bp bp USING (patient_id) "
        "WHERE dx.patient_id IS NOT NULL OR bmi IS NOT NULL OR fg IS NOT NULL "
        "OR a1c IS NOT NULL OR bp.sys IS NOT NULL"
    )


def status_share(level: int) -> str:
    return (
        f"SELECT patient_id, {yes(f'status = {level}')} AS num, 1 AS den FROM ({health_status()})"
    )


def bp_controlled(denominator: str) -> str:
    joins = "LEFT JOIN latest_bp bp USING (patient_id)"
    return latest_share(denominator, joins, "bp.sys < 140 AND bp.dia < 90")


def contact_between(since: str, until: str) -> str:
    return (
        f"SELECT patient_id FROM ({CONTACTS}) "
        f"WHERE seen_at >= '{{{since}}}' AND seen_at < '{{{until}}}'"
    )
