"""Risk screening after CASALUD's MIDO (issue 10): the screening engine, follow-up of probable
disease, care gaps and offline capture for community health workers (docs/screening.md).
"""

from __future__ import annotations

from enlace.modules.screening.care_gaps import Gap, care_gaps, care_gaps_many

__all__ = ["Gap", "care_gaps", "care_gaps_many"]
