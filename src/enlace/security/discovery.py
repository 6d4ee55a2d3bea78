"""SMART on FHIR discovery: `/.well-known/smart-configuration` (SMART App Launch 2.x,
Conformance) and where the OAuth endpoints live."""

from __future__ import annotations

from typing import Any

from .clients import ASSERTION_ALGORITHMS
from .tokens import issuer_for

TOKEN_PATH = "/auth/token"
AUTHORIZE_PATH = "/auth/authorize"
JWKS_PATH = "/.well-known/jwks.json"


def smart_configuration(fhir_base: str) -> dict[str, Any]:
    """`/.well-known/smart-configuration` (SMART App Launch 2.x, Conformance)."""
    server = issuer_for(fhir_base)
    return {
        "issuer": server,
        "jwks_uri": server + JWKS_PATH,
        "authorization_endpoint": server + AUTHORIZE_PATH,
        "token_endpoint": server + TOKEN_PATH,
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "token_endpoint_auth_methods_supported": [
            "private_key_jwt",
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "scopes_supported": [
            "patient/*.cruds",
            "user/*.cruds",
            "system/*.cruds",
            "launch/patient",
            "offline_access",
            "online_access",
        ],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "capabilities": [
            "launch-standalone",
            "client-public",
            "client-confidential-symmetric",
            "client-confidential-asymmetric",
            "context-standalone-patient",
            "permission-offline",
            "permission-online",
            "permission-patient",
            "permission-user",
            "permission-v1",
            "permission-v2",
        ],
    }
