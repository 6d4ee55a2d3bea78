"""Member classes of the cooperative (docs/governance.md).

A multi-stakeholder health cooperative groups its members by how they take part: patients and
their families use the care, physicians and other workers provide it. The classes are
configuration: a deployment may add or rename them; each says which patronage it is paid
surplus by (care used or work done).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Patronage = Literal["care-used", "work-done"]


@dataclass(frozen=True, slots=True)
class MemberClass:
    code: str
    label_es: str
    label_en: str
    patronage: Patronage


DEFAULT_CLASSES: dict[str, MemberClass] = {
    c.code: c
    for c in (
        MemberClass("patient", "Paciente o familia", "Patient or family", "care-used"),
        MemberClass("physician", "Médico", "Physician", "work-done"),
        MemberClass("worker", "Otro trabajador", "Other worker", "work-done"),
    )
}
