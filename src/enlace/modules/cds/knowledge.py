"""The curated knowledge behind the order checks, keyed by ATC code prefixes (WHO ATC/DDD).

Each entry names where it comes from (`Source`); docs/cds.md lists them with the reasoning. A
prefix matches an ATC code and everything below it ("C09AA" is every plain ACE inhibitor), so
fixed-dose combinations are listed by their own level-5 code where they carry the culprit.
Texts: `es` first (the card summary a Mexican prescriber reads), `en` second.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Source:
    label: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Text:
    es: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.es


@dataclass(frozen=True, slots=True)
class Interaction:
    """A clinically important pair (or, with `third`, a triple) of drug classes."""

    key: str
    first: tuple[str, ...]
    second: tuple[str, ...]
    indicator: str  # warning | critical
    summary: Text
    mechanism: Text
    management: Text
    source: Source
    third: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RenalRule:
    """Below `below` mL/min/1.73 m² of eGFR: `indicator` with `advice`. With `max_mg_day`
    the rule fires only when the order's daily dose of `ingredient` exceeds it."""

    key: str
    atc: tuple[str, ...]
    below: float
    indicator: str
    advice: Text
    source: Source
    at_least: float = 0.0  # the band's lower edge (a lower band has its own rule)
    ingredient: str | None = None
    max_mg_day: float | None = None


@dataclass(frozen=True, slots=True)
class PregnancyRule:
    key: str
    atc: tuple[str, ...]
    indicator: str
    advice: Text
    source: Source


ACE_I = ("C09AA", "C09BA", "C09BB")
ARB = ("C09CA", "C09DA", "C09DB", "C09DX04")
RAS = ACE_I + ARB
K_SPARING = ("C03DA", "C03DB")
NSAID = ("M01A",)
DIURETIC = ("C03", "C09BA", "C09DA")
DOLUTEGRAVIR = ("J05AJ03", "J05AR13", "J05AR25", "J05AR21", "J05AR16")
METFORMIN = ("A10BA02", "A10BD")
STRONG_CYP3A4 = ("J01FA09", "J02AC02", "J02AB02", "J05AR14", "J05AE")

LABEL_DTG = Source("Tivicay (dolutegravir) prescribing information; Liverpool HIV interactions")
HIV_INTERACTIONS = "https://www.hiv-druginteractions.org/checker"
FDA_SIMVASTATIN = (
    "https://www.fda.gov/drugs/drug-safety-and-availability/fda-drug-safety-communication-new-"
    "restrictions-contraindications-and-dose-limitations-zocor-simvastatin"
)
FDA_METFORMIN = (
    "https://www.fda.gov/drugs/drug-safety-and-availability/fda-drug-safety-communication-fda-"
    "revises-warnings-regarding-use-diabetes-medicine-metformin-certain"
)
EMA_RAS = "https://www.ema.europa.eu/en/medicines/human/referrals/renin-angiotensin-system-ras-acting-agents"
KDIGO_DM = "https://kdigo.org/guidelines/diabetes-ckd/"
BEERS_2023 = "https://doi.org/10.1111/jgs.18372"
TRIPLE_WHAMMY = "https://doi.org/10.1136/bmj.e8525"

INTERACTIONS: tuple[Interaction, ...] = (
    Interaction(
        "arni-acei",
        ("C09DX04",),
        ACE_I,
        "critical",
        Text(
            "Sacubitril/valsartán con IECA: contraindicado (angioedema)",
            "Sacubitril/valsartan with an ACE inhibitor: contraindicated (angioedema)",
        ),
        Text(
            "Ambos aumentan la bradicinina (inhibición de neprilisina y de la ECA).",
            "Both raise bradykinin (neprilysin and ACE inhibition).",
        ),
        Text(
            "No combinar; suspender el IECA 36 horas antes de iniciar sacubitril/valsartán.",
            "Do not combine; stop the ACE inhibitor 36 hours before sacubitril/valsartan.",
        ),
        Source("Entresto (sacubitril/valsartan) prescribing information, contraindications"),
    ),
    Interaction(
        "ras-dual-blockade",
        ACE_I,
        ARB,
        "warning",
        Text(
            "Doble bloqueo IECA + ARA II: hiperpotasemia, hipotensión, lesión renal",
            "Dual ACE inhibitor + ARB blockade: hyperkalaemia, hypotension, kidney injury",
        ),
        Text(
            "Bloqueo doble del sistema renina-angiotensina sin beneficio cardiovascular.",
            "Double renin-angiotensin blockade without cardiovascular benefit (ONTARGET).",
        ),
        Text(
            "Evitar la combinación; usar uno solo de los dos.",
            "Avoid the combination; use one of the two.",
        ),
        Source("EMA PRAC review of RAS-acting agents (2014)", EMA_RAS),
    ),
    Interaction(
        "ras-k-sparing",
        RAS,
        K_SPARING,
        "warning",
        Text(
            "IECA/ARA II con espironolactona o amilorida: riesgo de hiperpotasemia",
            "ACE inhibitor/ARB with spironolactone or amiloride: risk of hyperkalaemia",
        ),
        Text(
            "Ambos reducen la excreción renal de potasio.",
            "Both reduce renal potassium excretion.",
        ),
        Text(
            "Medir potasio y creatinina a la semana y al mes; espironolactona ≤ 25 mg/día.",
            "Check potassium and creatinine at 1 week and 1 month; spironolactone ≤ 25 mg/day.",
        ),
        Source("Spironolactone SmPC §4.5; ESC heart-failure guideline 2021"),
    ),
    Interaction(
        "simvastatin-cyp3a4",
        ("C10AA01", "C10BA02"),
        STRONG_CYP3A4,
        "critical",
        Text(
            "Simvastatina con inhibidor potente de CYP3A4: contraindicado (rabdomiólisis)",
            "Simvastatin with a strong CYP3A4 inhibitor: contraindicated (rhabdomyolysis)",
        ),
        Text(
            "El inhibidor multiplica la exposición a simvastatina.",
            "The inhibitor multiplies simvastatin exposure.",
        ),
        Text(
            "Suspender la simvastatina durante el tratamiento o cambiar a pravastatina.",
            "Hold simvastatin during the course or switch to pravastatin.",
        ),
        Source("FDA Drug Safety Communication: simvastatin (2011)", FDA_SIMVASTATIN),
    ),
    Interaction(
        "atorvastatin-cyp3a4",
        ("C10AA05",),
        STRONG_CYP3A4,
        "warning",
        Text(
            "Atorvastatina con inhibidor potente de CYP3A4: riesgo de miopatía",
            "Atorvastatin with a strong CYP3A4 inhibitor: risk of myopathy",
        ),
        Text(
            "El inhibidor aumenta la exposición a atorvastatina.",
            "The inhibitor raises atorvastatin exposure.",
        ),
        Text(
            "Usar la dosis mínima (≤ 20 mg) o cambiar a pravastatina o rosuvastatina.",
            "Use the lowest dose (≤ 20 mg) or switch to pravastatin or rosuvastatin.",
        ),
        Source("Atorvastatin prescribing information §7 (drug interactions)"),
    ),
    Interaction(
        "sulfonylurea-fluconazole",
        ("A10BB",),
        ("J02AC01",),
        "warning",
        Text(
            "Sulfonilurea con fluconazol: riesgo de hipoglucemia",
            "Sulfonylurea with fluconazole: risk of hypoglycaemia",
        ),
        Text(
            "El fluconazol inhibe CYP2C9 y eleva la sulfonilurea.",
            "Fluconazole inhibits CYP2C9 and raises the sulfonylurea.",
        ),
        Text(
            "Vigilar glucosa capilar; considerar reducir la sulfonilurea.",
            "Monitor capillary glucose; consider reducing the sulfonylurea.",
        ),
        Source("Fluconazole prescribing information §7 (oral hypoglycaemics)"),
    ),
    Interaction(
        "dolutegravir-metformin",
        DOLUTEGRAVIR,
        METFORMIN,
        "warning",
        Text(
            "Dolutegravir eleva la metformina (~79 % AUC): ajustar y vigilar",
            "Dolutegravir raises metformin exposure (~79% AUC): adjust and monitor",
        ),
        Text(
            "Dolutegravir inhibe OCT2/MATE1 y reduce la eliminación renal de metformina.",
            "Dolutegravir inhibits OCT2/MATE1, reducing metformin renal clearance.",
        ),
        Text(
            "Limitar la metformina a 1,000 mg/día al iniciar; vigilar función renal.",
            "Limit metformin to 1,000 mg/day when starting; monitor renal function.",
        ),
        Source(LABEL_DTG.label, HIV_INTERACTIONS),
    ),
    Interaction(
        "rifampicin-integrase",
        ("J04AB02", "J04AM"),
        (*DOLUTEGRAVIR, "J05AR20"),
        "critical",
        Text(
            "Rifampicina con dolutegravir o bictegravir: niveles antirretrovirales bajos",
            "Rifampicin with dolutegravir or bictegravir: low antiretroviral levels",
        ),
        Text(
            "La rifampicina induce UGT1A1 y CYP3A4.",
            "Rifampicin induces UGT1A1 and CYP3A4.",
        ),
        Text(
            "Dolutegravir 50 mg cada 12 h durante y 2 semanas después; no usar bictegravir.",
            "Dolutegravir 50 mg twice daily during and 2 weeks after; do not use bictegravir.",
        ),
        Source(
            "Tivicay and Biktarvy prescribing information; WHO HIV guidelines", HIV_INTERACTIONS
        ),
    ),
    Interaction(
        "warfarin-nsaid",
        ("B01AA",),
        NSAID,
        "warning",
        Text(
            "Anticoagulante cumarínico con AINE: riesgo de sangrado",
            "Vitamin K antagonist with an NSAID: bleeding risk",
        ),
        Text(
            "Efecto antiplaquetario y lesión gástrica sobre la anticoagulación.",
            "Antiplatelet effect and gastric injury on top of anticoagulation.",
        ),
        Text(
            "Evitar; preferir paracetamol. Si es imprescindible: IBP e INR en 3-5 días.",
            "Avoid; prefer paracetamol. If unavoidable: a PPI and INR within 3-5 days.",
        ),
        Source("Warfarin prescribing information §7; BNF interactions"),
    ),
    Interaction(
        "triple-whammy",
        NSAID,
        RAS,
        "critical",
        Text(
            "AINE + IECA/ARA II + diurético («triple whammy»): lesión renal aguda",
            "NSAID + ACE inhibitor/ARB + diuretic ('triple whammy'): acute kidney injury",
        ),
        Text(
            "Tres golpes a la perfusión glomerular.",
            "Three hits on glomerular perfusion.",
        ),
        Text(
            "Evitar el AINE; si no, dosis mínima por pocos días y creatinina.",
            "Avoid the NSAID; otherwise the lowest dose for a few days, and creatinine.",
        ),
        Source("Lapi et al., BMJ 2013;346:e8525", TRIPLE_WHAMMY),
        third=DIURETIC,
    ),
    Interaction(
        "methotrexate-trimethoprim",
        ("L04AX03", "L01BA01"),
        ("J01EA01", "J01EE01"),
        "critical",
        Text(
            "Metotrexato con trimetoprima/cotrimoxazol: mielosupresión grave",
            "Methotrexate with trimethoprim/co-trimoxazole: severe bone-marrow suppression",
        ),
        Text(
            "Antagonismo aditivo del folato y menor eliminación renal del metotrexato.",
            "Additive folate antagonism and reduced renal clearance of methotrexate.",
        ),
        Text(
            "Evitar; elegir otro antibiótico o profilaxis.",
            "Avoid; choose another antibiotic or prophylaxis.",
        ),
        Source("Methotrexate SmPC §4.5; MHRA Drug Safety Update"),
    ),
)


def matches(atc: str, prefixes: tuple[str, ...]) -> bool:
    return any(atc.startswith(prefix) for prefix in prefixes)
