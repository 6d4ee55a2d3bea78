"""Who is asking, with what grants: built from a verified token, handed to every interaction."""

from __future__ import annotations

from dataclasses import dataclass

from .scopes import Narrowing, ScopeSet, parse_scopes

# Purposes of use (HL7 v3 PurposeOfUse): ETREAT marks break-glass emergency access.
TREATMENT = "TREAT"
EMERGENCY = "ETREAT"


@dataclass(frozen=True)
class Access:
    actor: str  # user id or client id; "system" for the platform's own jobs
    kind: str  # "user", "client" or "internal"
    scopes: ScopeSet
    role: str | None = None
    client_id: str | None = None
    organization: str | None = None  # Organization id the actor works for
    fhir_user: str | None = None  # e.g. Practitioner/123
    patients: tuple[str, ...] = ()  # compartments that patient/ scopes cover
    purpose: str | None = None
    reason: str | None = None  # break-glass reason
    token_id: str | None = None  # jti of the access token, for the audit trail

    @classmethod
    def internal(cls) -> Access:
        """The platform itself (CLI, jobs, tests without auth): every grant, still audited."""
        return cls("system", "internal", parse_scopes("system/*.cruds"))

    @property
    def unrestricted(self) -> bool:
        return self.kind == "internal"

    def grants(self, resource_type: str, permission: str) -> list[Narrowing]:
        return self.scopes.grants(resource_type, permission)

    @property
    def break_glass(self) -> bool:
        return self.purpose == EMERGENCY
