"""Renal-dosing and pregnancy rules, and the codes that find eGFR and pregnancy in the record
(sources: docs/cds.md). eGFR is in mL/min/1.73 m²; a rule covers [at_least, below)."""

from __future__ import annotations

from .knowledge import (
    BEERS_2023,
    FDA_METFORMIN,
    HIV_INTERACTIONS,
    KDIGO_DM,
    METFORMIN,
    RAS,
    PregnancyRule,
    RenalRule,
    Source,
    Text,
)

EGFR_CODES = frozenset({"98979-8", "62238-1", "33914-3", "48642-3", "48643-1", "69405-9"})
HBA1C_CODES = frozenset({"4548-4", "59261-8"})
PREGNANCY_STATUS = "82810-3"  # LOINC Pregnancy status
PREGNANT_SNOMED = frozenset({"77386006", "72892002"})  # Pregnant; Normal pregnancy
PREGNANCY_ICD10 = ("Z33", "Z34", "O")

RENAL_RULES: tuple[RenalRule, ...] = (
    RenalRule(
        "metformin-lt30",
        METFORMIN,
        30,
        "critical",
        Text(
            "Metformina contraindicada con TFGe < 30",
            "Metformin is contraindicated with eGFR < 30",
        ),
        Source(
            "FDA Drug Safety Communication: metformin and kidney function (2016)", FDA_METFORMIN
        ),
    ),
    RenalRule(
        "metformin-30-44",
        METFORMIN,
        45,
        "warning",
        Text(
            "TFGe 30-44: metformina máximo 1,000 mg/día",
            "eGFR 30-44: metformin at most 1,000 mg/day",
        ),
        Source("KDIGO 2022 diabetes in CKD, recommendation 4.1.5", KDIGO_DM),
        at_least=30,
        ingredient="metformina",
        max_mg_day=1000,
    ),
    RenalRule(
        "sitagliptin-renal",
        ("A10BH01",),
        45,
        "warning",
        Text(
            "Sitagliptina: 50 mg/día con TFGe 30-44 y 25 mg/día con < 30",
            "Sitagliptin: 50 mg/day with eGFR 30-44 and 25 mg/day below 30",
        ),
        Source("Januvia (sitagliptin) prescribing information §2.2"),
    ),
    RenalRule(
        "dapagliflozin-lt25",
        ("A10BK01",),
        25,
        "warning",
        Text(
            "Dapagliflozina: no iniciar con TFGe < 25",
            "Dapagliflozin: do not start with eGFR < 25",
        ),
        Source("Farxiga (dapagliflozin) prescribing information §2; KDIGO 2022", KDIGO_DM),
    ),
    RenalRule(
        "empagliflozin-lt20",
        ("A10BK03",),
        20,
        "warning",
        Text(
            "Empagliflozina: no iniciar con TFGe < 20",
            "Empagliflozin: do not start with eGFR < 20",
        ),
        Source("Jardiance (empagliflozin) prescribing information §2; KDIGO 2022", KDIGO_DM),
    ),
    RenalRule(
        "glibenclamide-lt60",
        ("A10BB01",),
        60,
        "warning",
        Text(
            "Glibenclamida con TFGe < 60: evitar (hipoglucemia prolongada)",
            "Glibenclamide with eGFR < 60: avoid (prolonged hypoglycaemia)",
        ),
        Source("AGS Beers Criteria 2023; KDIGO 2022", BEERS_2023),
    ),
    RenalRule(
        "spironolactone-lt30",
        ("C03DA01",),
        30,
        "warning",
        Text(
            "Espironolactona con TFGe < 30: no recomendada (hiperpotasemia)",
            "Spironolactone with eGFR < 30: not recommended (hyperkalaemia)",
        ),
        Source("ESC heart-failure guideline 2021; spironolactone SmPC"),
    ),
    RenalRule(
        "tdf-lt50",
        ("J05AR03", "J05AR06", "J05AF07"),
        50,
        "warning",
        Text(
            "Tenofovir disoproxilo con TFGe < 50: ajustar o cambiar a TAF/otro esquema",
            "Tenofovir disoproxil with eGFR < 50: adjust or switch to TAF/another regimen",
        ),
        Source("Truvada and Atripla prescribing information §2", HIV_INTERACTIONS),
    ),
    RenalRule(
        "methotrexate-lt30",
        ("L04AX03",),
        30,
        "critical",
        Text(
            "Metotrexato contraindicado con TFGe < 30",
            "Methotrexate is contraindicated with eGFR < 30",
        ),
        Source("Methotrexate SmPC §4.2-4.3"),
    ),
    RenalRule(
        "methotrexate-30-59",
        ("L04AX03",),
        60,
        "warning",
        Text(
            "Metotrexato con TFGe 30-59: reducir la dosis (~50 %)",
            "Methotrexate with eGFR 30-59: reduce the dose (~50%)",
        ),
        Source("Methotrexate SmPC §4.2"),
        at_least=30,
    ),
)

PREGNANCY_RULES: tuple[PregnancyRule, ...] = (
    PregnancyRule(
        "ras-pregnancy",
        RAS,
        "critical",
        Text(
            "IECA/ARA II en embarazo: fetotóxico; cambiar (metildopa, nifedipino, labetalol)",
            "ACE inhibitor/ARB in pregnancy: fetotoxic; switch (methyldopa, nifedipine)",
        ),
        Source("ACE inhibitor and ARB labels, boxed warning (fetal toxicity)"),
    ),
    PregnancyRule(
        "methotrexate-pregnancy",
        ("L04AX03", "L01BA01"),
        "critical",
        Text(
            "Metotrexato en embarazo: contraindicado (teratógeno, abortivo)",
            "Methotrexate in pregnancy: contraindicated (teratogenic, abortifacient)",
        ),
        Source("Methotrexate prescribing information, boxed warning"),
    ),
    PregnancyRule(
        "vka-pregnancy",
        ("B01AA",),
        "critical",
        Text(
            "Warfarina/acenocumarol en embarazo: embriopatía; usar heparina",
            "Warfarin/acenocoumarol in pregnancy: embryopathy; use heparin",
        ),
        Source("Warfarin prescribing information §8.1"),
    ),
    PregnancyRule(
        "statin-pregnancy",
        ("C10AA", "C10BA"),
        "warning",
        Text(
            "Estatina en embarazo: suspender durante el embarazo en la mayoría de los casos",
            "Statin in pregnancy: stop for the pregnancy in most patients",
        ),
        Source("FDA statin pregnancy labelling change (2021)"),
    ),
)
