"""Risk screening after CASALUD's MIDO (issue 10): the screening engine, follow-up of probable
disease, care gaps and offline capture for community health workers (docs/screening.md).
"""

from __future__ import annotations

from enlace.modules.screening.care_gaps import Gap, care_gaps, care_gaps_many
from enlace.modules.screening.domain import (
    CONDITIONS,
    ConditionOutcome,
    CvdRisk,
    Glucose,
    ScoreResult,
    ScreeningInput,
    ScreeningResult,
    ScreeningSettings,
)
from enlace.modules.screening.engine import screen, screen_many
from enlace.modules.screening.engine_plausibility import plausibility_issues

__all__ = [
    "CONDITIONS",
    "ConditionOutcome",
    "CvdRisk",
    "Gap",
    "Glucose",
    "ScoreResult",
    "ScreeningInput",
    "ScreeningResult",
    "ScreeningSettings",
    "care_gaps",
    "care_gaps_many",
    "plausibility_issues",
    "screen",
    "screen_many",
]
