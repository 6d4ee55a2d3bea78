"""Errors that carry an HTTP status and OperationOutcome issues.

Every layer raises `FhirError`; the HTTP edge renders it as an OperationOutcome. Nothing below the
entrypoints knows about HTTP frameworks, only about status codes, which FHIR defines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Issue:
    """One OperationOutcome.issue: what is wrong and where (a FHIRPath expression)."""

    code: str  # http://hl7.org/fhir/issue-type, e.g. "structure", "required", "value", "invalid"
    diagnostics: str
    expression: str | None = None
    severity: str = "error"

    def to_fhir(self) -> dict[str, Any]:
        issue: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.diagnostics,
        }
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


def operation_outcome(issues: list[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [i.to_fhir() for i in issues]}


@dataclass
class FhirError(Exception):
    """A failure a client must be told about: HTTP status plus the issues that explain it."""

    status: int
    issues: list[Issue] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return "; ".join(i.diagnostics for i in self.issues) or f"HTTP {self.status}"

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.issues)


def error(status: int, code: str, diagnostics: str, expression: str | None = None) -> FhirError:
    return FhirError(status, [Issue(code, diagnostics, expression)])


def bad_request(
    diagnostics: str, expression: str | None = None, code: str = "invalid"
) -> FhirError:
    return error(400, code, diagnostics, expression)


def not_found(diagnostics: str) -> FhirError:
    return error(404, "not-found", diagnostics)


def gone(diagnostics: str, headers: dict[str, str] | None = None) -> FhirError:
    return FhirError(410, [Issue("deleted", diagnostics)], headers or {})


def conflict(diagnostics: str) -> FhirError:
    return error(409, "conflict", diagnostics)


def precondition_failed(diagnostics: str) -> FhirError:
    return error(412, "conflict", diagnostics)


def unprocessable(issues: list[Issue]) -> FhirError:
    return FhirError(422, issues)
