"""Which stored resources an Access may touch, as a SQL condition on `resources` rows.

Every interaction asks here, and every query that returns resources carries the answer in its
WHERE: searches, includes, compartments, `$everything`, history, reads and the re-check after a
write. So a route cannot forget the patient's compartment: the search engine, `fetch` and the
guarded reads take a `Visibility` and have no unguarded variant in the request path.

A grant is the OR over the scopes that grant the permission on the type; each scope contributes
its query narrowing (`?category=laboratory`, compiled by the search engine itself) AND, for
`patient/` scopes, membership in the compartment of one of the token's patients (types outside
the Patient compartment — Medication, Organization — are not patient data and need no
membership). Consent denials (enlace.security.consent) are ANDed on top.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, false, or_, select
from sqlalchemy.sql.elements import ColumnElement

from enlace.fhir.compartments import patient_compartment_params
from enlace.kernel import errors
from enlace.search import compartment, conditions
from enlace.store.schema import resources

from .access import Access
from .blocking import blocked_condition
from .consent import ConsentRules
from .scopes import Scope

Condition = ColumnElement[bool]

INTERACTION_PERMISSION = {
    "read": "r",
    "vread": "r",
    "history": "r",
    "search": "s",
    "create": "c",
    "update": "u",
    "patch": "u",
    "delete": "d",
}


@dataclass
class Visibility:
    access: Access
    ctx: conditions.SearchContext
    consent: ConsentRules = field(default_factory=lambda: ConsentRules([]))
    # Types with blocked rows (ARCO cancellation) that this access may not see; see blocking.
    blocked: frozenset[str] = frozenset()

    @property
    def unrestricted(self) -> bool:
        return self.access.unrestricted

    def permits_type(self, resource_type: str, permission: str) -> bool:
        return self.unrestricted or any(
            self._grants(scope, resource_type, permission) for scope in self._scopes()
        )

    def require_type(self, resource_type: str, permission: str) -> None:
        """403 when no scope grants the permission on the type at all (no existence leaks:
        the answer depends on the token only, not on the data)."""
        if not self.permits_type(resource_type, permission):
            raise forbidden(resource_type, permission)

    def where(
        self, resource_type: str, permission: str, target: Any = resources
    ) -> Condition | None:
        """The rows of `target` the access may see with `permission`: None when every row of
        the type is visible, false() when none is."""
        if self.unrestricted:
            return None
        branches = [
            self._scope_condition(scope, resource_type, target)
            for scope in self._scopes()
            if self._grants(scope, resource_type, permission)
        ]
        if not branches:
            return false()
        narrowed = [b for b in branches if b is not None]
        granted = None if len(narrowed) < len(branches) else _or(narrowed)
        for denied in self._withheld(resource_type, target):
            granted = ~denied if granted is None else granted & ~denied
        return granted

    def _withheld(self, resource_type: str, target: Any) -> list[Condition]:
        """What is taken out of a grant: consent denials, then blocked (cancelled) data."""
        withheld = []
        denied = self.consent.condition(resource_type, target)
        if denied is not None:
            withheld.append(denied)
        if resource_type in self.blocked:
            blocked = blocked_condition(resource_type, target)
            if blocked is not None:
                withheld.append(blocked)
        return withheld

    def can_see(
        self, conn: Connection, resource_type: str, resource_id: str, permission: str
    ) -> bool:
        """Whether the stored current version of one resource is visible: one indexed query,
        none when the grant needs no condition."""
        condition = self.where(resource_type, permission)
        if condition is None:
            return True
        r = resources.c
        statement = select(r.id).where(
            r.resource_type == resource_type, r.id == resource_id, condition
        )
        return conn.execute(statement).first() is not None

    def _scopes(self) -> tuple[Scope, ...]:
        return self.access.scopes.resource_scopes

    @staticmethod
    def _grants(scope: Scope, resource_type: str, permission: str) -> bool:
        return scope.covers_type(resource_type) and permission in scope.permissions

    def _scope_condition(self, scope: Scope, resource_type: str, target: Any) -> Condition | None:
        parts: list[Condition] = []
        for name, value in scope.narrowing:
            criterion = conditions.criterion(self.ctx, target, resource_type, name, value)
            if criterion is None:  # a narrowing the type cannot apply: grant nothing
                return false()
            parts.append(criterion)
        if scope.context == "patient" and resource_type in _compartment_types():
            parts.append(self._in_patients_compartments(resource_type, target))
        if not parts:
            return None
        return _and(parts)

    def _in_patients_compartments(self, resource_type: str, target: Any) -> Condition:
        patients = self.access.patients
        if not patients:
            return false()
        if resource_type == "Patient":
            # Only the token's own patients: the compartment would also admit any Patient whose
            # `link` points at them, and anyone who may write a Patient could make such a link.
            return target.c.id.in_(patients)
        members = [
            compartment.compartment_condition(target, "Patient", patient, resource_type)
            for patient in patients
        ]
        return _or(members)


def _and(parts: list[Condition]) -> Condition:
    return parts[0] if len(parts) == 1 else and_(*parts)


def _or(parts: list[Condition]) -> Condition:
    return parts[0] if len(parts) == 1 else or_(*parts)


def _compartment_types() -> frozenset[str]:
    return frozenset(patient_compartment_params()) | {"Patient"}


def forbidden(resource_type: str, permission: str) -> errors.FhirError:
    verb = {"c": "create", "r": "read", "u": "update", "d": "delete", "s": "search"}[permission]
    return errors.error(
        403, "forbidden", f"The access token grants no scope to {verb} {resource_type}"
    )
