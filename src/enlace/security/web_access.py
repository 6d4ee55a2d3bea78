"""The Access a person signed in to the web pages acts with.

The pages are a first-party client of the platform: there is no app between the person and the
data asking for less, so the grants are the whole of the role's ceiling (with `{org}` filled
in), and the same data-path enforcement (scopes, compartments, consent, audit) applies as to a
token. Patient and caregiver accounts get their patient/ scopes over their own records only; an
account of those roles linked to no record gets no patient/ scope at all (its pages are 403).
"""

from __future__ import annotations

from .access import Access
from .grants import UserLike, own_patients
from .roles import ceiling
from .scopes import ScopeSet


def web_access(user: UserLike) -> Access:
    patients = own_patients(user)
    granted = ceiling(user.role, user.organization)
    # Only resource scopes: openid, launch/patient and the like are words of a token exchange,
    # meaningless to a session.
    kept = tuple(s for s in granted.resource_scopes if s.context != "patient" or patients)
    return Access(
        actor=user.id,
        kind="user",
        scopes=ScopeSet(kept, frozenset()),
        role=user.role,
        organization=user.organization,
        fhir_user=user.fhir_user,
        patients=patients,
    )
