"""Care gaps on the patient page (issue 10 part 3): computed by the screening module's rules for
a physician or nurse who may read the patient (the page read the Patient first) and may search
the sections the rules read (conditions, medicines, observations); otherwise no section."""

from __future__ import annotations

from typing import Any

from enlace.interactions.context import Services
from enlace.modules.screening import Gap, care_gaps

GAP_ROLES = ("physician", "nurse")
GAP_SECTIONS = ("conditions", "medicines", "observations")


def patient_gaps(
    services: Services, role: str, sections: dict[str, Any], patient_id: str
) -> list[Gap] | None:
    if role not in GAP_ROLES or any(sections.get(key) is None for key in GAP_SECTIONS):
        return None
    with services.db.read() as conn:
        return care_gaps(conn, services.repo, patient_id)
