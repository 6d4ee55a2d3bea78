"""The network's staff: physicians, nurses and community health workers at each level-1 clinic,
physicians at hospitals, a pharmacist at each pharmacy — Practitioner and PractitionerRole.

Synthetic people with stable ids (`pr-<facility slug>-<n>`, `prr-<facility slug>-<n>`) drawn
from the facility's own random stream, so the staff is the same in every scenario and a demo
account can be bound to one of them. The professional licence (cédula profesional) is a
synthetic number under Enlace's own system, never the SEP registry's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from enlace.modules.catalog import Facility, facilities
from enlace.sim import names
from enlace.sim.fhir_map import BASE, SYNTHETIC_TAG

LICENCE_SYSTEM = f"{BASE}/sid/cedula-profesional-synthetic"
ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/practitioner-role"
SPECIALTY_SYSTEM = "http://snomed.info/sct"

# facility kind -> the staff it has, in order: (role code, how many)
STAFFING: dict[str, tuple[tuple[str, int], ...]] = {
    "clinic-l1": (("doctor", 2), ("nurse", 1), ("chw", 1)),
    "hospital-l2": (("doctor", 2), ("nurse", 1)),
    "hospital-l3": (("doctor", 2), ("nurse", 1)),
    "pharmacy": (("pharmacist", 1),),
}
_ROLE_DISPLAY = {
    "doctor": "Doctor",
    "nurse": "Nurse",
    "pharmacist": "Pharmacist",
    "chw": "Community health worker",
}
_FAMILY_MEDICINE = ("419772000", "Family practice")


@dataclass(frozen=True)
class StaffMember:
    id: str  # Practitioner id
    role: str  # practitioner-role code (chw is Enlace's own)
    facility: Facility
    given: str
    family: str
    sex: str
    licence: str

    @property
    def organization(self) -> str:
        return f"org-{self.facility.slug}"

    @property
    def role_id(self) -> str:
        return f"prr-{self.id.removeprefix('pr-')}"


def staff_of(facility: Facility) -> list[StaffMember]:
    rng = random.Random(f"staff:{facility.slug}")
    members = []
    number = 0
    for role, count in STAFFING.get(facility.kind, ()):
        for _ in range(count):
            number += 1
            sex = "female" if rng.random() < 0.55 else "male"
            given = rng.choice(names.FEMALE if sex == "female" else names.MALE)
            family = f"{rng.choice(names.SURNAMES)} {rng.choice(names.SURNAMES)}"
            licence = str(rng.randrange(1_000_000, 99_999_999))
            member_id = f"pr-{facility.slug}-{number}"
            members.append(StaffMember(member_id, role, facility, given, family, sex, licence))
    return members


def all_staff() -> list[StaffMember]:
    return [m for f in facilities() for m in staff_of(f)]


def resources(member: StaffMember) -> list[dict[str, Any]]:
    meta = {"tag": [dict(SYNTHETIC_TAG)]}
    practitioner = {
        "resourceType": "Practitioner",
        "id": member.id,
        "meta": meta,
        "identifier": [{"system": LICENCE_SYSTEM, "value": member.licence}],
        "active": True,
        "name": [{"use": "official", "family": member.family, "given": [member.given]}],
        "gender": member.sex,
    }
    role: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "id": member.role_id,
        "meta": meta,
        "active": True,
        "practitioner": {"reference": f"Practitioner/{member.id}"},
        "organization": {"reference": f"Organization/{member.organization}"},
        "location": [{"reference": f"Location/loc-{member.facility.slug}"}],
        "code": [_role_code(member.role)],
    }
    if member.role == "doctor":
        code, display = _FAMILY_MEDICINE
        role["specialty"] = [
            {"coding": [{"system": SPECIALTY_SYSTEM, "code": code, "display": display}]}
        ]
    return [practitioner, role]


def _role_code(role: str) -> dict[str, Any]:
    system = ROLE_SYSTEM if role != "chw" else f"{BASE}/CodeSystem/practitioner-role"
    return {"coding": [{"system": system, "code": role, "display": _ROLE_DISPLAY[role]}]}
