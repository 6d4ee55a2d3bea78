"""Registry definitions and case selection (pure).

A registry selects Conditions by their ICD-10 code: the cancer registry by the neoplasm chapter
subset C00-D48 (malignant C00-C97, in situ D00-D09, benign D10-D36, uncertain behaviour
D37-D48), the rare-disease registry by a list of codes (a code matches itself and its
subdivisions: E75.2 matches E75.22). A Condition refuted or entered in error is never a case.
Its institution is the system that recorded it, `meta.source` (each institution's EHR writes
its own URI there), else the `Condition.recorder` reference (R4 allows no Organization there),
else "unknown".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ICD10 = "http://hl7.org/fhir/sid/icd-10"
NOT_A_CASE = {"refuted", "entered-in-error"}
UNKNOWN_INSTITUTION = "unknown"


@dataclass(frozen=True)
class Registry:
    code: str
    title: str
    ranges: tuple[tuple[str, str], ...] = ()  # inclusive 3-character category ranges
    codes: tuple[str, ...] = ()  # listed codes (and their subdivisions)

    def selects(self, icd10: str) -> bool:
        category = icd10[:3].upper()
        if any(low <= category <= high for low, high in self.ranges):
            return True
        bare = icd10.upper().replace(".", "")
        return any(bare.startswith(c.replace(".", "")) for c in self.codes)


CANCER = Registry("cancer", "Registro de cáncer (CIE-10 C00-D48)", ranges=(("C00", "D48"),))
RARE = Registry(
    "rare",
    "Registro de enfermedades raras",
    codes=(
        "E84",  # cystic fibrosis
        "E70.0",  # phenylketonuria
        "E75.2",  # Gaucher, Fabry and other sphingolipidoses
        "E76",  # mucopolysaccharidoses
        "D66",  # haemophilia A
        "D67",  # haemophilia B
        "G71.0",  # muscular dystrophy (Duchenne)
        "G12.2",  # motor neuron disease (ALS)
        "Q78.0",  # osteogenesis imperfecta
        "E83.0",  # Wilson disease
    ),
)
REGISTRIES = {r.code: r for r in (CANCER, RARE)}


def icd10_codes(condition: dict[str, Any]) -> list[str]:
    code = condition.get("code") or {}
    return [
        str(c["code"])
        for c in code.get("coding") or []
        if isinstance(c, dict) and c.get("system") == ICD10 and c.get("code")
    ]


def is_case_candidate(condition: dict[str, Any]) -> bool:
    verification = condition.get("verificationStatus") or {}
    codes = {c.get("code") for c in verification.get("coding") or [] if isinstance(c, dict)}
    return not codes & NOT_A_CASE


def registries_of(condition: dict[str, Any]) -> set[str]:
    """The registries the Condition is a case of."""
    if condition.get("resourceType") != "Condition" or not is_case_candidate(condition):
        return set()
    codes = icd10_codes(condition)
    return {r.code for r in REGISTRIES.values() if any(r.selects(c) for c in codes)}


def institution_of(condition: dict[str, Any]) -> str:
    source = (condition.get("meta") or {}).get("source")
    if isinstance(source, str) and source:
        return source
    recorder = (condition.get("recorder") or {}).get("reference")
    return recorder if isinstance(recorder, str) and recorder else UNKNOWN_INSTITUTION


def patient_of(condition: dict[str, Any]) -> str:
    return str((condition.get("subject") or {}).get("reference", ""))
