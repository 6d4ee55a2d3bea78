"""OAuth 2.0 error answers (RFC 6749 §5.2, §4.1.2.1): the OAuth endpoints answer these, not
OperationOutcomes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class OAuthError(Exception):
    error: str  # invalid_request, invalid_client, invalid_grant, unauthorized_client, ...
    description: str
    status: int = 400  # 401 for invalid_client (client authentication failed)

    def __post_init__(self) -> None:
        super().__init__(f"{self.error}: {self.description}")

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}
