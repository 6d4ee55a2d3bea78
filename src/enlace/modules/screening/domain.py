"""The screening engine's vocabulary: what goes in (ScreeningInput), the settings, what comes out
(ScreeningResult). Frozen dataclasses so a result can be cached, shared and compared; every
measurement is optional because a community screening often has only some of them
(docs/screening.md, "Engine").

Units are fixed here so that nothing downstream guesses: kg, cm, mmHg, mg/dL, % (NGSP). The raw-JSON
reader (engine_input.py) converts mmol/L and metres into these units or refuses them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Sex = Literal["male", "female"]
GlucoseKind = Literal["fasting", "casual", "ogtt2h"]
Sample = Literal["capillary", "plasma"]
FamilyHistory = Literal["none", "second-degree", "first-degree"]
BpScheme = Literal["nom-030", "acc-aha-2017", "esc-2024"]
Condition = Literal["diabetes", "hypertension", "obesity", "dyslipidemia", "cvd"]
OverallClass = Literal["healthy", "at-risk", "probable", "known", "not-assessed"]
Setting = Literal["clinic", "community"]

CONDITIONS: tuple[Condition, ...] = ("diabetes", "hypertension", "obesity", "dyslipidemia", "cvd")
# "cvd" known = established cardiovascular disease (prior MI, stroke): the WHO charts do not apply.
KNOWN_CONDITIONS: frozenset[str] = frozenset(CONDITIONS)
MG_DL_PER_MMOL_L_GLUCOSE = 18.016  # glucose molar mass 180.16 g/mol
MG_DL_PER_MMOL_L_CHOLESTEROL = 38.67  # cholesterol molar mass 386.65 g/mol


@dataclass(frozen=True, slots=True)
class Glucose:
    """One glucose result in mg/dL: how it was taken (fasting, casual, 2 h after a 75 g load) and
    from what (capillary fingerstick or venous plasma); the class rules differ for each."""

    mg_dl: float
    kind: GlucoseKind = "fasting"
    sample: Sample = "plasma"


@dataclass(frozen=True, slots=True)
class ScreeningInput:
    age_years: int | None = None
    sex: Sex | None = None
    weight_kg: float | None = None
    height_cm: float | None = None
    waist_cm: float | None = None
    systolic: int | None = None
    diastolic: int | None = None
    glucose: Glucose | None = None
    hba1c_percent: float | None = None
    total_cholesterol_mg_dl: float | None = None
    hdl_mg_dl: float | None = None
    family_history_diabetes: FamilyHistory | None = None
    physically_active: bool | None = None  # >= 30 min of activity every day (FINDRISC item)
    daily_vegetables: bool | None = None  # vegetables, fruit or berries every day
    ever_bp_medication: bool | None = None
    ever_high_glucose: bool | None = None
    smoker: bool | None = None  # current smoker (WHO chart definition)
    known_conditions: frozenset[str] = frozenset()  # already diagnosed: subset of KNOWN_CONDITIONS
    hyperglycaemia_symptoms: bool = False  # polyuria, polydipsia, unexplained weight loss
    pregnant: bool = False


@dataclass(frozen=True, slots=True)
class ScreeningSettings:
    bp_scheme: BpScheme = "nom-030"
    # NOM-008-SSA3-2017 lowers the BMI cut-offs for adults of short stature (women < 150 cm, men
    # < 160 cm): overweight >= 23, obesity >= 25. Off by default (WHO cut-offs); noted when it applies.
    short_stature_cutoffs: bool = False
    referral_due_days: int = 30


@dataclass(frozen=True, slots=True)
class BodyResult:
    bmi: float | None  # kg/m2, one decimal
    bmi_class: str | None  # underweight|normal|overweight|obesity-1|obesity-2|obesity-3
    waist_increased: bool | None  # IDF Central/South America: >= 90 cm men, >= 80 cm women
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BpResult:
    scheme: BpScheme
    category: str  # scheme-specific, e.g. "grade-1", "stage-2", "elevated"
    hypertensive_range: bool  # in the scheme's hypertension range (single reading: confirm)
    elevated: bool  # above normal but below hypertension (pre-hypertension)
    urgent: bool  # >= 180 / >= 110 (crisis range): same-day assessment


@dataclass(frozen=True, slots=True)
class GlycaemiaResult:
    category: str  # normal|prediabetes|screen-positive|probable-diabetes|diabetes-criteria-met
    confirm_with: str | None  # "fasting-plasma-glucose", "second-test" or None
    basis: tuple[str, ...]  # which results drove the class, e.g. ("hba1c",)


@dataclass(frozen=True, slots=True)
class LipidResult:
    total_class: str | None  # desirable|borderline|high
    hdl_low: bool | None
    hdl_cutoff: float | None


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """A questionnaire score (FINDRISC): the points, the band and its ~10-year risk of type 2
    diabetes, or why it could not be computed."""

    name: str
    score: int | None
    band: str | None  # low|slightly-elevated|moderate|high|very-high
    ten_year_risk: float | None  # probability 0..1
    missing: tuple[str, ...] = ()
    verified: bool = True  # False for LA-FINDRISC: waist cut-offs not checked against the paper

    @property
    def computable(self) -> bool:
        return self.score is not None


@dataclass(frozen=True, slots=True)
class CvdRisk:
    """WHO 2019 chart risk (10-year fatal or non-fatal MI or stroke), Central Latin America."""

    chart: Literal["lab", "non-lab"]
    percent: int | None
    band: str | None  # "<5"|"5-<10"|"10-<20"|"20-<30"|">=30"
    reason: str | None  # why not computable
    verified: bool  # chart values confirmed by two independent transcriptions (docs/screening.md)

    @property
    def computable(self) -> bool:
        return self.percent is not None


@dataclass(frozen=True, slots=True)
class ConditionOutcome:
    condition: Condition
    klass: OverallClass
    reasons: tuple[str, ...]
    action: str | None = None  # "confirm-diagnosis", "check-control", "urgent-assessment", ...


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    body: BodyResult
    bp: BpResult | None
    glycaemia: GlycaemiaResult | None
    lipids: LipidResult | None
    findrisc: ScoreResult
    la_findrisc: ScoreResult
    cvd_lab: CvdRisk
    cvd_non_lab: CvdRisk
    outcomes: tuple[ConditionOutcome, ...]
    notes: tuple[str, ...] = field(default=())

    def outcome(self, condition: Condition) -> ConditionOutcome:
        for item in self.outcomes:
            if item.condition == condition:
                return item
        raise KeyError(condition)

    @property
    def probable_conditions(self) -> tuple[Condition, ...]:
        return tuple(o.condition for o in self.outcomes if o.klass == "probable")

    @property
    def cvd(self) -> CvdRisk:
        """The best available chart: lab when computable, otherwise non-lab."""
        return self.cvd_lab if self.cvd_lab.computable else self.cvd_non_lab
