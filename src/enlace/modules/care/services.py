"""Which services a facility offers, by its network level (docs/care.md "Services").

The catalog knows each facility's kind (clinic-l1, hospital-l2, hospital-l3, ...) but not its
service portfolio; until it does, a facility offers what its level offers in the public network
(primary care at level 1, the basic specialties at level 2, high specialty at level 3). A referral
to a facility outside the catalog, or to one whose level does not offer the service, is refused.
"""

from __future__ import annotations

from enlace.modules.catalog import facility

# code -> Spanish display
SERVICES: dict[str, str] = {
    "family-medicine": "Medicina familiar",
    "internal-medicine": "Medicina interna",
    "cardiology": "Cardiología",
    "endocrinology": "Endocrinología",
    "nephrology": "Nefrología",
    "pulmonology": "Neumología",
    "ophthalmology": "Oftalmología",
    "emergency": "Urgencias",
    "oncology": "Oncología",
    "hemodialysis": "Hemodiálisis",
    "cardiac-surgery": "Cirugía cardiaca",
}

_L2 = (
    "internal-medicine",
    "cardiology",
    "endocrinology",
    "nephrology",
    "pulmonology",
    "ophthalmology",
    "emergency",
)
OFFERED: dict[str, tuple[str, ...]] = {
    "clinic-l1": ("family-medicine",),
    "hospital-l2": _L2,
    "hospital-l3": (*_L2, "oncology", "hemodialysis", "cardiac-surgery"),
}
# What a monitoring alert's referral asks for: the hospital's emergency service.
ALERT_SERVICE = "emergency"


def slug_of(organization: str) -> str:
    return organization.removeprefix("Organization/").removeprefix("org-")


def offered_by(organization: str) -> tuple[str, ...]:
    """The services of `Organization/org-<slug>`; () when it is not a catalog facility."""
    found = facility(slug_of(organization))
    return OFFERED.get(found.kind, ()) if found else ()


def is_facility(organization: str) -> bool:
    return facility(slug_of(organization)) is not None
