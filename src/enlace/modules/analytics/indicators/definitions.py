"""The indicator library: each indicator's definition (docs/indicators.md has one section each).

An indicator computed from FHIR data has `sql`: a query over the materialized views (queries.py)
returning one row per counted unit — `patient_id`, `num`, `den` — for the denominator population
after exclusions; compute.py attributes each row to the patient's clinic and physician and sums
numerator and denominator per unit. An indicator whose data lives in a module's tables names that
module in `source`; sources.py computes it through the module's public API (rows per clinic), or
it is "not computable" with `no_source` saying why.
"""

from __future__ import annotations

from dataclasses import dataclass

from enlace.modules.analytics.indicators import queries as q

HIGHER, LOWER = "higher", "lower"
PERCENT, RATIO, PER_PATIENT, TOTAL, MINUTES = "percent", "ratio", "per-patient", "total", "minutes"
YEAR = "the 12 months ending with the period (a month reports a rolling year)"
PERIOD = "the period itself"
FHIR = "indicator_patients, condition_list, observation_values"


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    group: str  # process | outcome | quality | adherence | supply | operations | finance
    title_es: str
    title_en: str
    numerator: str
    denominator: str
    exclusions: str
    period: str
    direction: str  # HIGHER or LOWER is better
    unit: str  # PERCENT, RATIO, PER_PATIENT, TOTAL or MINUTES
    source: str  # the views or the module it reads
    sql: str | None = None
    no_source: str | None = None  # why it cannot be computed, when it cannot

    @property
    def computable(self) -> bool:
        return self.no_source is None

    def title(self, language: str = "es") -> str:
        return self.title_en if language == "en" else self.title_es


_DEAD = "deceased patients and those without a clinic"

PROCESS = (
    Indicator(
        "screened",
        "process",
        "Población tamizada / meta",
        "Population screened / target",
        "adults with a glucose or HbA1c and a blood pressure recorded",
        "adults aged 20+ not diagnosed with diabetes or hypertension (the screening target)",
        _DEAD,
        YEAR,
        HIGHER,
        PERCENT,
        FHIR,
        q.share(q.UNDIAGNOSED_ADULTS, q.both(q.recorded(q.GLUCOSE), q.recorded((q.SYSTOLIC,)))),
    ),
    Indicator(
        "followup_linked",
        "process",
        "Detectados con seguimiento",
        "At risk and detected with follow-up",
        "referrals decided at the clinic (diagnosis confirmed or ruled out)",
        "people referred with a probable disease",
        "none",
        "referrals to date",
        HIGHER,
        PERCENT,
        "screening (indicators.indicators: follow-up per clinic)",
    ),
    Indicator(
        "treated_vs_expected",
        "process",
        "Pacientes en tratamiento / esperados por prevalencia",
        "Patients in treatment / expected by prevalence",
        "adults with type 2 diabetes and a prescription in 12 months",
        "adults aged 20+ x 10.3 % (ENSANUT diagnosed-diabetes prevalence)",
        _DEAD,
        YEAR,
        HIGHER,
        RATIO,
        f"{FHIR}, medication_requests",
        "SELECT a.patient_id, "
        + q.yes("t.patient_id IS NOT NULL")
        + " AS num, CAST(0.103 AS DOUBLE) AS den "
        f"FROM ({q.ADULTS}) a LEFT JOIN (SELECT DISTINCT patient_id FROM medication_requests "
        "WHERE status IN ('active', 'completed') AND authored_on >= '{y1}' "
        f"AND authored_on < '{{end}}' AND patient_id IN ({q.diagnosed(q.DM2)})) t "
        "USING (patient_id)",
    ),
    Indicator(
        "consultations_per_patient",
        "process",
        "Consultas por paciente",
        "Consultations per patient",
        "encounters started in the period (not cancelled)",
        "patients with diabetes, hypertension, obesity or dyslipidemia",
        _DEAD,
        PERIOD,
        HIGHER,
        PER_PATIENT,
        f"{FHIR}, indicator_encounters",
        "SELECT c.patient_id, count(e.id) AS num, 1 AS den FROM "
        f"({q.CHRONIC_PATIENTS}) c LEFT JOIN indicator_encounters e ON e.patient_id = "
        "c.patient_id AND e.status NOT IN ('cancelled', 'entered-in-error') "
        "AND e.start >= '{start}' AND e.start < '{end}' GROUP BY c.patient_id",
    ),
    Indicator(
        "labs_complete",
        "process",
        "Laboratorios completos (HbA1c y lípidos)",
        "Complete labs (HbA1c and lipids)",
        "with an HbA1c and a total cholesterol or LDL",
        "adults with type 2 diabetes",
        _DEAD,
        YEAR,
        HIGHER,
        PERCENT,
        FHIR,
        q.share(q.DM2_ADULTS, q.both(q.recorded(q.HBA1C), q.recorded((*q.CHOLESTEROL, *q.LDL)))),
    ),
    Indicator(
        "foot_exam",
        "process",
        "Revisión de pies",
        "Foot exam",
        "with a diabetic foot exam (SNOMED 401191002)",
        "adults with type 2 diabetes",
        _DEAD,
        YEAR,
        HIGHER,
        PERCENT,
        f"{FHIR}, indicator_procedures",
        q.share(q.DM2_ADULTS, q.recorded(q.FOOT_EXAM)),
    ),
    Indicator(
        "eye_exam",
        "process",
        "Revisión de ojos",
        "Eye exam",
        "with a retinopathy screening (SNOMED 134395001, 410451008)",
        "adults with type 2 diabetes",
        _DEAD,
        YEAR,
        HIGHER,
        PERCENT,
        f"{FHIR}, indicator_procedures",
        q.share(q.DM2_ADULTS, q.recorded(q.EYE_EXAM)),
    ),
    Indicator(
        "bmi_waist_recorded",
        "process",
        "IMC y cintura registrados",
        "BMI and waist recorded",
        "with a BMI and a waist circumference",
        "patients with a chronic diagnosis",
        _DEAD,
        YEAR,
        HIGHER,
        PERCENT,
        FHIR,
        q.share(q.CHRONIC_PATIENTS, q.both(q.recorded((q.BMI,)), q.recorded((q.WAIST,)))),
    ),
    Indicator(
        "dispensed_units",
        "supply",
        "Cantidad dispensada",
        "Quantity dispensed",
        "units handed over in the period (completed dispenses)",
        "(a total; the count of dispenses is kept for suppression)",
        "dispenses without a patient",
        PERIOD,
        HIGHER,
        TOTAL,
        "indicator_dispenses",
        "SELECT patient_id, coalesce(quantity, 0) AS num, 1 AS den FROM indicator_dispenses "
        "WHERE status = 'completed' AND handed_over >= '{start}' AND handed_over < '{end}'",
    ),
    Indicator(
        "stock_levels",
        "supply",
        "Nivel de existencias mensual",
        "Monthly stock levels",
        "units on hand (all products) on the last stock snapshot day of the period",
        "facilities with stock pairs that day (each counts 1; the value is the total)",
        "clinics that are not catalog facilities; facilities expected to stock nothing",
        "the last snapshot day in the period (a month: its month-end level)",
        HIGHER,
        TOTAL,
        "supply_kpis.units_on_hand (the daily snapshot's stock per facility x product)",
    ),
    Indicator(
        "stockout_drugs",
        "supply",
        "Desabasto de medicamentos",
        "Drug stock-outs",
        "facility-product pairs stocked out on snapshot days",
        "facility-product pairs expected to be stocked on those days",
        "none",
        PERIOD,
        LOWER,
        PERCENT,
        "supply_kpis (stock_out_series per facility)",
    ),
    Indicator(
        "stockout_labs",
        "supply",
        "Desabasto de pruebas de laboratorio",
        "Lab test stock-outs",
        "-",
        "-",
        "-",
        PERIOD,
        LOWER,
        PERCENT,
        "none",
        no_source="the platform keeps no stock of laboratory reagents or tests",
    ),
    Indicator(
        "trained_clinicians",
        "process",
        "Personal con capacitación completa",
        "Clinicians with completed training",
        "clinicians with every required course of their role completed, certificate valid",
        "clinicians (doctor, nurse, pharmacist, chw) with an active PractitionerRole there",
        "roles with no required course",
        "as of the period's last day",
        HIGHER,
        PERCENT,
        "education.trained_by_clinic",
    ),
)
