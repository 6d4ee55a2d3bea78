"""Outcome, quality (CMS-like), adherence, operations and finance indicators (see
definitions.py for the fields; docs/indicators.md for each definition)."""

from __future__ import annotations

from enlace.modules.analytics.indicators import queries as q
from enlace.modules.analytics.indicators.definitions import (
    _DEAD,
    FHIR,
    HIGHER,
    LOWER,
    MINUTES,
    PERCENT,
    PERIOD,
    RATIO,
    TOTAL,
    YEAR,
    Indicator,
)

_STATUS = "adults 20+ diagnosed or with a BMI, glucose, HbA1c or blood pressure in 12 months"

OUTCOMES = (
    Indicator(
        "status_healthy",
        "outcome",
        "% sanos",
        "% healthy",
        "not diagnosed and not at risk",
        _STATUS,
        _DEAD,
        YEAR,
        HIGHER,
        PERCENT,
        FHIR,
        q.status_share(0),
    ),
    Indicator(
        "status_at_risk",
        "outcome",
        "% en riesgo",
        "% at risk",
        "not diagnosed; BMI ≥ 25, fasting glucose 100-125, HbA1c 5.7-6.4 or BP ≥ 130/85",
        _STATUS,
        _DEAD,
        YEAR,
        LOWER,
        PERCENT,
        FHIR,
        q.status_share(1),
    ),
    Indicator(
        "status_diseased",
        "outcome",
        "% con enfermedad",
        "% diseased",
        "with diabetes, hypertension, obesity or dyslipidemia",
        _STATUS,
        _DEAD,
        YEAR,
        LOWER,
        PERCENT,
        FHIR,
        q.status_share(2),
    ),
    Indicator(
        "dm2_hba1c_lt7",
        "outcome",
        "% DM2 con HbA1c < 7 %",
        "% T2D with HbA1c < 7%",
        "latest HbA1c in 12 months below 7 % (none counts as not controlled)",
        "patients 18-75 with type 2 diabetes",
        _DEAD,
        YEAR,
        HIGHER,
        PERCENT,
        FHIR,
        q.latest_share(
            q.DM2_18_75, f"LEFT JOIN ({q.latest(q.HBA1C, 'a1c')}) USING (patient_id)", "a1c < 7"
        ),
    ),
    Indicator(
        "htn_bp_lt_140_90",
        "outcome",
        "% HTA con TA < 140/90",
        "% hypertension with BP < 140/90",
        "lowest systolic < 140 and diastolic < 90 on the latest day measured",
        "adults with hypertension",
        _DEAD,
        YEAR,
        HIGHER,
        PERCENT,
        FHIR,
        q.bp_controlled(q.HTN_ADULTS),
    ),
    Indicator(
        "obesity_bmi_lt30",
        "outcome",
        "% obesidad con IMC < 30",
        "% obesity with BMI < 30",
        "latest BMI below 30",
        "patients with obesity (E66)",
        _DEAD,
        YEAR,
        HIGHER,
        PERCENT,
        FHIR,
        q.latest_share(
            q.in_population("TRUE", q.OBESITY),
            f"LEFT JOIN ({q.latest((q.BMI,), 'bmi')}) USING (patient_id)",
            "bmi < 30",
        ),
    ),
    Indicator(
        "dyslipidemia_controlled",
        "outcome",
        "% dislipidemia con CT < 200 y LDL < 100",
        "% dyslipidemia with total cholesterol < 200 and LDL < 100",
        "latest total cholesterol < 200 and latest LDL < 100 mg/dL",
        "patients with dyslipidemia (E78)",
        _DEAD,
        YEAR,
        HIGHER,
        PERCENT,
        FHIR,
        q.latest_share(
            q.in_population("TRUE", q.DYSLIPIDEMIA),
            f"LEFT JOIN ({q.latest(q.CHOLESTEROL, 'tc')}) USING (patient_id) "
            f"LEFT JOIN ({q.latest(q.LDL, 'ldl')}) USING (patient_id)",
            "tc < 200 AND ldl < 100",
        ),
    ),
    Indicator(
        "cms122_hba1c_gt9",
        "quality",
        "HbA1c > 9 % o sin medir (CMS122)",
        "HbA1c > 9% or missing (CMS122-like)",
        "latest HbA1c in 12 months above 9 %, or none",
        "patients 18-75 with type 2 diabetes",
        _DEAD,
        YEAR,
        LOWER,
        PERCENT,
        FHIR,
        q.latest_share(
            q.DM2_18_75,
            f"LEFT JOIN ({q.latest(q.HBA1C, 'a1c')}) USING (patient_id)",
            "a1c IS NULL OR a1c > 9",
        ),
    ),
    Indicator(
        "cms165_bp_controlled",
        "quality",
        "Presión controlada (CMS165)",
        "Controlling high blood pressure (CMS165-like)",
        "lowest systolic < 140 and diastolic < 90 on the latest day measured",
        "patients 18-85 with hypertension",
        f"{_DEAD}; end-stage renal disease (N18.5, N18.6, Z99.2); pregnancy (O*, Z33, Z34)",
        YEAR,
        HIGHER,
        PERCENT,
        FHIR,
        q.bp_controlled(q.HTN_18_85),
    ),
)

OTHERS = (
    Indicator(
        "pdc_80",
        "adherence",
        "Adherencia (PDC ≥ 80 %)",
        "Adherence (PDC ≥ 80%)",
        "therapies with proportion of days covered ≥ 80 %",
        "chronic therapies measured",
        "therapies with fewer than two fills (no PDC), without a clinic, or last measured "
        "after the period's end",
        "the adherence job's latest measure on or before the period's last day",
        HIGHER,
        PERCENT,
        "adherence.pdc_by_clinic",
    ),
    Indicator(
        "abandonment",
        "adherence",
        "Abandono",
        "Abandonment",
        "no encounter or observation in the last 6 months",
        "patients with a chronic diagnosis seen 6-18 months before the period's end",
        _DEAD,
        "18 months ending with the period",
        LOWER,
        PERCENT,
        f"{FHIR}, indicator_encounters",
        q.share(
            q.both(q.CHRONIC_PATIENTS, q.contact_between("m18", "m6")),
            q.minus(q.CHRONIC_PATIENTS, q.contact_between("m6", "end")),
        ),
    ),
    Indicator(
        "alert_response_minutes",
        "operations",
        "Tiempo de respuesta a alertas",
        "Alert response time",
        "minutes from the alert's opening to its acknowledgement, summed",
        "alerts opened in the period and acknowledged (the value is the mean)",
        "alerts never acknowledged (still open, or resolved without one); patients without a "
        "clinic",
        "alerts opened in the period (UTC days)",
        LOWER,
        MINUTES,
        "monitoring.alert_response.response_by_patient, the patient's clinic from "
        "indicator_patients",
    ),
    Indicator(
        "unfilled_rx",
        "supply",
        "Recetas no surtidas",
        "Unfilled prescriptions",
        "prescriptions with no completed dispense within 3 days",
        "prescriptions (active or completed) authored in the period",
        "prescriptions entered in error or cancelled",
        PERIOD,
        LOWER,
        PERCENT,
        "medication_requests, indicator_dispenses",
        "SELECT r.patient_id, "
        + q.yes(
            "NOT EXISTS (SELECT 1 FROM indicator_dispenses d "
            "WHERE d.prescription_id = r.id AND d.status = 'completed' AND d.handed_over < "
            "strftime(CAST(substr(r.authored_on, 1, 10) AS DATE) + 3, '%Y-%m-%d'))"
        )
        + " AS num, 1 AS den FROM medication_requests r WHERE r.status IN ('active', "
        "'completed') AND r.authored_on >= '{start}' AND r.authored_on < '{end}'",
    ),
    Indicator(
        "claims_pmpm",
        "finance",
        "Costo por afiliado por mes",
        "Cost per member per month",
        "pesos the payer paid for claim items (complete or partly approved claims) with "
        "service dates in the period, of the clinic's patients",
        "member-months of the clinic's patients: days in force of active Coverages over each "
        "month's length (the value is pesos per member-month)",
        "claims queued for review or refused; patients without a clinic; a clinic without "
        "member-months (its paid claims are not shown)",
        PERIOD,
        LOWER,
        RATIO,
        "claims.paid_by_patient / coverage.member_months_by_patient, the patient's clinic "
        "from indicator_patients",
    ),
    Indicator(
        "trace_alerts",
        "operations",
        "Alertas de trazabilidad",
        "Traceability alerts",
        "traceability alerts raised at the facility (its sub-locations included)",
        "facilities (each counts 1; the value is the total)",
        "alerts without a location or at a place that is not a catalog facility; clinics that "
        "are not catalog facilities",
        "alerts raised in the period (UTC days)",
        LOWER,
        TOTAL,
        "trace.alerts_by_facility",
    ),
)
