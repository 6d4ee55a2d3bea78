"""What a token may grant: requested scopes ∩ the client's ceiling ∩ the role's ceiling.

Only what the platform honours is granted: resource scopes, `launch/patient` (a patient context
is given), `offline_access` and `online_access` (a refresh token). No OpenID Connect id_token is
issued, so `openid` and `fhirUser` are not granted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Protocol

from sqlalchemy import Connection, select

from . import roles
from .clients import Client
from .oauth_errors import OAuthError
from .scopes import ScopeSet, parse_scopes
from .tables import users
from .tokens import Grant

HONOURED = frozenset({"launch/patient", "offline_access", "online_access"})
REFRESHING = frozenset({"offline_access", "online_access"})


class UserLike(Protocol):
    """What granting needs of a user (enlace.security.users.User has it)."""

    @property
    def id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def organization(self) -> str | None: ...
    @property
    def fhir_user(self) -> str | None: ...
    @property
    def patients(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class UserRecord:
    id: str
    username: str
    role: str
    organization: str | None
    fhir_user: str | None
    patients: tuple[str, ...]
    active: bool


def requested_scopes(text: str | None) -> ScopeSet:
    if not text or not text.strip():
        raise OAuthError("invalid_scope", "No scope requested")
    try:
        return parse_scopes(text)
    except Exception as exc:  # a FhirError naming the malformed scope
        raise OAuthError("invalid_scope", str(exc)) from None


def backend_scopes(requested: ScopeSet, client: Client) -> ScopeSet:
    """system/ scopes within the client's ceiling and, when it acts with a role, within that
    role's ceiling (its user/ grants read as system/ ones)."""
    granted = requested.restricted_to(client.ceiling)
    if client.role:
        role_ceiling = roles.ceiling(client.role, client.organization)
        granted = granted.restricted_to(as_context(role_ceiling, "user", "system"))
    kept = tuple(s for s in granted.resource_scopes if s.context == "system")
    if not kept:
        raise OAuthError("invalid_scope", "None of the requested scopes is granted to this client")
    return ScopeSet(kept, frozenset())


def user_scopes(requested: ScopeSet, client: Client, user: UserLike) -> ScopeSet:
    """Scopes for a user through an app; patient/ scopes only when there is a patient."""
    granted = requested.restricted_to(client.ceiling)
    granted = granted.restricted_to(roles.ceiling(user.role, user.organization))
    resource = granted.resource_scopes
    if not own_patients(user):
        resource = tuple(s for s in resource if s.context != "patient")
    other = granted.other & HONOURED
    if not any(s.context == "patient" for s in resource):
        other -= {"launch/patient"}
    if not resource:
        raise OAuthError("invalid_scope", "None of the requested scopes is granted to this user")
    return ScopeSet(resource, other)


def as_context(scopes: ScopeSet, source: str, target: str) -> ScopeSet:
    moved = tuple(replace(s, context=target) for s in scopes.resource_scopes if s.context == source)
    return ScopeSet(moved, frozenset())


def own_patients(user: UserLike) -> tuple[str, ...]:
    """The records patient/ scopes may cover: a patient's own (first), a caregiver's several."""
    if user.role not in roles.PATIENT_ROLES:
        return ()
    own = []
    if user.fhir_user and user.fhir_user.startswith("Patient/"):
        own.append(user.fhir_user.removeprefix("Patient/"))
    return tuple(dict.fromkeys([*own, *user.patients]))


def launch_patient(scopes: ScopeSet, user: UserLike, chosen: str | None) -> str | None:
    """The patient context: the one chosen among the user's records, else the first."""
    if not any(s.context == "patient" for s in scopes.resource_scopes):
        return None
    choices = own_patients(user)
    if chosen:
        if chosen not in choices:
            raise OAuthError("invalid_request", "The chosen patient is not one of this user's")
        return chosen
    return choices[0]


def user_grant(client: Client, user: UserLike, scopes: ScopeSet, patient: str | None) -> Grant:
    if not any(s.context == "patient" for s in scopes.resource_scopes):
        patient = None
    return Grant(
        subject=user.id,
        client_id=client.client_id,
        scopes=scopes,
        role=user.role,
        organization=user.organization,
        fhir_user=user.fhir_user,
        patient=patient,
        patients=own_patients(user) if patient else (),
    )


def backend_grant(client: Client, scopes: ScopeSet) -> Grant:
    return Grant(
        subject=client.client_id,
        client_id=client.client_id,
        scopes=scopes,
        role=client.role,
        organization=client.organization,
    )


def load_user(
    conn: Connection, *, user_id: str | None = None, username: str | None = None
) -> UserRecord | None:
    """A user row by id or username (accounts belong to enlace.security.users; this reads only
    what tokens carry)."""
    query = select(users)
    query = (
        query.where(users.c.id == user_id) if user_id else query.where(users.c.username == username)
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    return UserRecord(
        id=row["id"],
        username=row["username"],
        role=row["role"],
        organization=row["organization"],
        fhir_user=row["fhir_user"],
        patients=tuple(json.loads(row["patients"] or "[]")),
        active=bool(row["active"]),
    )
