"""Settings a production server must not start with, and the ones a development server warns about.

`enlace serve` and the ASGI app factory refuse to start in production (exit status 2) while
`production_problems` lists anything; development only logs `startup_warnings`. What a problem
guards against: anyone reading every record (auth off), forged tokens and session cookies (a
known or short secret, no signing key), readable identifiers at rest (no data keys), passwords
and tokens in clear on the wire (no TLS), a single-file database under a multi-process server
(SQLite), and every web origin reading the API with the user's token (CORS `*`).
"""

from __future__ import annotations

import base64
import binascii
import ssl
from urllib.parse import parse_qs, urlsplit

from enlace.kernel.errors import FhirError
from enlace.kernel.settings import DEV_SECRET, Settings

from .keys import key_from_pem

ENVIRONMENTS = ("development", "production")
MIN_SECRET_CHARS = 32
MIN_DATA_KEY_BYTES = 32
_LOCAL_HOSTS = ("", "localhost", "127.0.0.1", "::1")


def production_problems(settings: Settings) -> list[str]:
    """Every reason these settings are unsafe to serve in production, one sentence each.

    Empty outside production, except for an unknown ENLACE_ENV (a misspelt "production" must
    not quietly run as development, with authentication off)."""
    if settings.environment not in ENVIRONMENTS:
        return [f"ENLACE_ENV is '{settings.environment}': use 'production' or 'development'"]
    if not settings.production:
        return []
    problems: list[str] = []
    if not settings.auth_enabled:
        problems.append("authentication is off: set ENLACE_AUTH=1")
    if not settings.audit_enabled:
        problems.append("the audit trail is off: unset ENLACE_AUDIT (it is on by default)")
    if not settings.admin_totp_required:
        problems.append(
            "administrators may sign in without TOTP: unset ENLACE_ADMIN_TOTP (ASVS V4.3.1)"
        )
    problems += _secret_problems(settings.secret_key)
    problems += _signing_key_problems(settings.signing_key_pem)
    problems += _data_key_problems(settings.data_keys)
    problems += _tls_problems(settings.tls_cert_file, settings.tls_key_file)
    if not settings.log_signing_key.startswith("PRIVATE+KEY+"):  # parsed fully when served
        problems.append(
            "no transparency log signing key: set ENLACE_LOG_SIGNING_KEY (enlace ledger keygen)"
        )
    if settings.resolved_database_url.startswith("sqlite"):
        problems.append(
            "the database is SQLite: production runs on PostgreSQL (ENLACE_DATABASE_URL)"
        )
    if "*" in settings.cors_origins:
        problems.append("ENLACE_CORS_ORIGINS holds '*': list the allowed origins instead")
    problems += [
        f"CORS origin '{origin}' is not an https origin"
        for origin in settings.cors_origins
        if origin != "*" and not origin.startswith("https://")
    ]
    return problems


def startup_warnings(settings: Settings) -> list[str]:
    """Worth one log line each at startup, but no reason to refuse it."""
    warnings: list[str] = []
    if not settings.production and not settings.auth_enabled:
        warnings.append(
            "authentication is off (development): anyone who reaches this server reads and "
            "writes every record"
        )
    if not settings.production and "*" in settings.cors_origins:
        warnings.append("CORS allows every origin ('*')")
    if settings.production and settings.rate_limit_per_second <= 0:
        warnings.append("no rate limit per client: set ENLACE_RATE_LIMIT (requests per second)")
    if settings.production and _database_in_clear(settings.resolved_database_url):
        warnings.append(
            "the database connection is not encrypted: add sslmode=verify-full to "
            "ENLACE_DATABASE_URL (or keep the database on this host)"
        )
    return warnings


def _secret_problems(secret: str) -> list[str]:
    if secret == DEV_SECRET:
        return ["ENLACE_SECRET_KEY is the development default: set a random secret"]
    if len(secret) < MIN_SECRET_CHARS:
        return [f"ENLACE_SECRET_KEY is shorter than {MIN_SECRET_CHARS} characters"]
    return []


def _signing_key_problems(pem: str) -> list[str]:
    if not pem.strip():
        return ["no token signing key: set ENLACE_SIGNING_KEY (a PEM private key or its path)"]
    try:
        key_from_pem(pem)  # the check the token service makes (security/keys.py)
    except FhirError as exc:
        return [f"ENLACE_SIGNING_KEY: {exc.message}"]
    return []


def _data_key_problems(keys: str) -> list[str]:
    items = [k.strip() for k in keys.split(",") if k.strip()]
    if not items:
        return ["no data encryption keys: set ENLACE_DATA_KEYS (base64 keys, newest first)"]
    problems = []
    for position, key in enumerate(items, start=1):
        try:
            raw = base64.b64decode(key + "=" * (-len(key) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            problems.append(f"ENLACE_DATA_KEYS key {position} is not base64")
            continue
        if len(raw) < MIN_DATA_KEY_BYTES:
            problems.append(
                f"ENLACE_DATA_KEYS key {position} has {len(raw)} bytes; "
                f"at least {MIN_DATA_KEY_BYTES} are needed"
            )
    return problems


def _tls_problems(cert_file: str, key_file: str) -> list[str]:
    if not cert_file or not key_file:
        return ["TLS is not configured: set ENLACE_TLS_CERT_FILE and ENLACE_TLS_KEY_FILE"]
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert_file, key_file)
    except (OSError, ssl.SSLError) as exc:
        return [f"the TLS certificate and key cannot be loaded: {exc}"]
    return []


def _database_in_clear(url: str) -> bool:
    if not url.startswith("postgres"):
        return False
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if query.get("sslmode", [""])[0] in ("require", "verify-ca", "verify-full"):
        return False
    host = parts.hostname or query.get("host", [""])[0]
    return not (host in _LOCAL_HOSTS or host.startswith("/"))
