"""What a family doctor prescribes for each treated condition, stepped up when control is poor.

A first-line regimen per condition as Mexican primary care guidelines (IMSS GPC) order them —
metformin first in type 2 diabetes, an ARB or ACE inhibitor in hypertension, a long-acting
antimuscarinic plus rescue salbutamol in COPD, a single-tablet integrase regimen in HIV,
methotrexate with folic acid in rheumatoid arthritis — and the usual second step when the last
value is out of range. Medicines are the catalog's (`Medication/med-<slug>`).
"""

from __future__ import annotations

from dataclasses import dataclass

from enlace.sim.population import Person


@dataclass(frozen=True)
class Dose:
    """One medicine as prescribed: how much, how often, and units used per 30 days."""

    slug: str  # catalog medicine
    text: str  # the sig, in Spanish as the patient reads it
    amount: float
    unit: str  # UCUM of one dose
    frequency: int
    period: float
    period_unit: str  # UCUM time unit: d, wk
    route: str  # SNOMED CT route code
    units_per_30_days: int  # pack units (tablets, inhalers, pens…) a month takes
    as_needed: bool = False


ORAL, INHALED, SUBCUT = "26643006", "18679011000001101", "34206005"
ROUTE_DISPLAY = {ORAL: "Oral route", INHALED: "Inhalation", SUBCUT: "Subcutaneous route"}

METFORMIN = Dose(
    "metformin-850-tab", "1 tableta cada 12 horas con alimentos", 1, "{tbl}", 2, 1, "d", ORAL, 60
)
GLIBENCLAMIDE = Dose(
    "glibenclamide-5-tab", "1 tableta antes del desayuno", 1, "{tbl}", 1, 1, "d", ORAL, 30
)
SITAGLIPTIN = Dose("sitagliptin-100-tab", "1 tableta al día", 1, "{tbl}", 1, 1, "d", ORAL, 30)
INSULIN_NPH = Dose(
    "insulin-nph-100-vial", "20 UI subcutáneas antes de dormir", 20, "[iU]", 1, 1, "d", SUBCUT, 1
)
ATORVASTATIN = Dose(
    "atorvastatin-20-tab", "1 tableta por la noche", 1, "{tbl}", 1, 1, "d", ORAL, 30
)
LOSARTAN = Dose("losartan-50-tab", "1 tableta al día", 1, "{tbl}", 1, 1, "d", ORAL, 30)
ENALAPRIL = Dose("enalapril-10-tab", "1 tableta cada 12 horas", 1, "{tbl}", 2, 1, "d", ORAL, 60)
AMLODIPINE = Dose("amlodipine-5-tab", "1 tableta al día", 1, "{tbl}", 1, 1, "d", ORAL, 30)
CHLORTHALIDONE = Dose(
    "chlorthalidone-50-tab", "1/2 tableta por la mañana", 0.5, "{tbl}", 1, 1, "d", ORAL, 15
)
TIOTROPIUM = Dose(
    "tiotropium-18-inhcap", "1 cápsula inhalada al día", 1, "{cap}", 1, 1, "d", INHALED, 30
)
SALBUTAMOL = Dose(
    "salbutamol-100-inhaler",
    "2 disparos cada 6 horas si hay falta de aire",
    2,
    "{puff}",
    4,
    1,
    "d",
    INHALED,
    1,
    as_needed=True,
)
BIC_FTC_TAF = Dose("bic-ftc-taf-tab", "1 tableta al día", 1, "{tbl}", 1, 1, "d", ORAL, 30)
DTG_3TC = Dose("dtg-3tc-tab", "1 tableta al día", 1, "{tbl}", 1, 1, "d", ORAL, 30)
METHOTREXATE = Dose(
    "methotrexate-2.5-tab",
    "6 tabletas (15 mg) una vez por semana",
    6,
    "{tbl}",
    1,
    1,
    "wk",
    ORAL,
    26,
)
FOLIC_ACID = Dose(
    "folic-acid-5-tab",
    "1 tableta una vez por semana, al día siguiente del metotrexato",
    1,
    "{tbl}",
    1,
    1,
    "wk",
    ORAL,
    5,
)
ADALIMUMAB = Dose(
    "adalimumab-40-syringe", "40 mg subcutáneos cada 14 días", 1, "{syringe}", 1, 14, "d", SUBCUT, 2
)


@dataclass(frozen=True)
class Status:
    """What the doctor sees at the visit (the last measured values) and the person's history."""

    hba1c: float | None
    systolic: float | None
    days_under_care: int
    public: bool  # a public institution's formulary (IMSS, ISSSTE, IMSS-Bienestar)
    biologic: bool  # RA severe enough for a biologic (decided once per person)
    age: int


def regimen(person: Person, conditions: frozenset[str], status: Status) -> list[tuple[Dose, str]]:
    """The prescriptions for this visit, each with the condition it treats."""
    doses: list[tuple[Dose, str]] = []
    settled = status.days_under_care >= 90  # a step-up waits for three months of treatment
    if "diabetes" in conditions:
        a1c = status.hba1c or 0.0
        steps = [METFORMIN]
        if settled and a1c > 8.0:
            steps.append(GLIBENCLAMIDE if status.public else SITAGLIPTIN)
        if settled and a1c > 10.0:
            steps.append(INSULIN_NPH)
        if status.age >= 40:  # statin for diabetes from 40 (cardiovascular prevention)
            steps.append(ATORVASTATIN)
        doses.extend((d, "diabetes") for d in steps)
    if "hypertension" in conditions:
        systolic = status.systolic or 0.0
        steps = [LOSARTAN if person.index % 3 else ENALAPRIL]
        if settled and systolic >= 140:
            steps.append(AMLODIPINE)
        if settled and systolic >= 160:
            steps.append(CHLORTHALIDONE)
        doses.extend((d, "hypertension") for d in steps)
    if "copd" in conditions:
        doses.extend(((TIOTROPIUM, "copd"), (SALBUTAMOL, "copd")))
    if "hiv" in conditions:
        doses.append((BIC_FTC_TAF if status.public or person.index % 2 else DTG_3TC, "hiv"))
    if "ra" in conditions:
        doses.extend(((METHOTREXATE, "ra"), (FOLIC_ACID, "ra")))
        if status.biologic:
            doses.append((ADALIMUMAB, "ra"))
    return doses
