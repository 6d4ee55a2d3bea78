"""The security layer's own tables (migration 0003). Nothing outside enlace.security reads them.

Secrets are never stored: client secrets, session tokens, authorization codes and refresh tokens
are kept as SHA-256 digests, passwords as argon2id hashes. Times are integer microseconds (UTC).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()

clients = Table(
    "security_clients",
    metadata,
    Column("client_id", String(128), primary_key=True),
    Column("name", Text, nullable=False),
    # backend: client_credentials with a signed JWT; public: authorization code + PKCE only;
    # confidential: authorization code + PKCE + a client secret.
    Column("kind", String(16), nullable=False),
    Column("jwks", Text, nullable=True),  # JSON Web Key Set (public keys) for backend clients
    Column("jwks_url", Text, nullable=True),
    Column("redirect_uris", Text, nullable=False, default="[]"),  # JSON list
    Column("scope", Text, nullable=False),  # the most this client may ever be granted
    Column("role", String(32), nullable=True),  # a backend client acts with this role
    Column("organization", String(64), nullable=True),  # ... for this Organization id
    Column("secret_hash", String(64), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_us", BigInteger, nullable=False),
)

# A client assertion's jti is refused a second time until the assertion would have expired.
used_assertions = Table(
    "security_used_assertions",
    metadata,
    Column("client_id", String(128), primary_key=True),
    Column("jti", String(255), primary_key=True),
    Column("expires_us", BigInteger, nullable=False),
)

users = Table(
    "security_users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("username", String(128), nullable=False, unique=True),
    Column("display_name", Text, nullable=False, default=""),
    Column("password_hash", Text, nullable=False),
    Column("role", String(32), nullable=False),
    Column("organization", String(64), nullable=True),  # Organization id the user works for
    Column("fhir_user", String(160), nullable=True),  # e.g. Practitioner/123, Patient/abc
    Column("patients", Text, nullable=False, default="[]"),  # JSON ids: own or cared-for records
    Column("totp_secret", Text, nullable=True),  # sealed (security/secretbox.py); set = enabled
    # Last TOTP step accepted: a code counts only for a later step, so none is used twice.
    Column("totp_last_step", BigInteger, nullable=False, default=0),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until_us", BigInteger, nullable=False, default=0),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_us", BigInteger, nullable=False),
)

sessions = Table(
    "security_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(64), nullable=False, index=True),
    Column("created_us", BigInteger, nullable=False),
    Column("last_seen_us", BigInteger, nullable=False),
    Column("expires_us", BigInteger, nullable=False),
    Column("second_factor", Boolean, nullable=False, default=False),  # TOTP passed (or not needed)
    Index("ix_security_sessions_expires", "expires_us"),  # purge of expired sessions
)

authorization_codes = Table(
    "security_authorization_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("client_id", String(128), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("scope", Text, nullable=False),
    Column("patient", String(64), nullable=True),  # launch context
    Column("code_challenge", String(128), nullable=False),
    Column("expires_us", BigInteger, nullable=False),
    Column("used", Boolean, nullable=False, default=False),
)

refresh_tokens = Table(
    "security_refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    # Rotation: each use issues a new token in the same family; reusing a spent one revokes
    # the whole family (it was stolen, or the client is broken).
    Column("family_id", String(64), nullable=False, index=True),
    Column("client_id", String(128), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("scope", Text, nullable=False),
    Column("patient", String(64), nullable=True),
    Column("expires_us", BigInteger, nullable=False),
    Column("spent", Boolean, nullable=False, default=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

# One row per access (enlace.security.audit_log): appended in the write's own transaction, or in
# batches for reads. The sealer links rows into a hash chain in the order it seals them
# (`chain_seq` 1, 2, 3, ...: `seq` order, except a row whose transaction committed late comes
# later). Free text is Text: a value too long for a VARCHAR must never fail the audited write.
audit_log = Table(
    "audit_log",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("recorded_us", BigInteger, nullable=False),
    Column("action", String(16), nullable=False),  # C R U D E (execute) search login export
    Column("interaction", Text, nullable=False),  # read, vread, search-type, create, login, ...
    Column("outcome", Integer, nullable=False),  # HTTP status
    Column("actor", Text, nullable=False),  # user id or client id
    Column("actor_display", Text, nullable=True),
    Column("fhir_user", Text, nullable=True),  # e.g. Practitioner/123
    Column("role", Text, nullable=True),
    Column("organization", Text, nullable=True),
    Column("client_id", Text, nullable=True),
    Column("token_id", Text, nullable=True),  # jti of the access token used
    Column("resource_type", Text, nullable=True),
    Column("resource_id", Text, nullable=True),
    Column("patient_id", Text, nullable=True),  # whose record was touched
    Column("purpose", Text, nullable=True),  # purpose of use: TREAT, ETREAT (break-glass), ...
    Column("reason", Text, nullable=True),  # break-glass reason and the like
    Column("query", Text, nullable=True),
    Column("request_id", Text, nullable=True),
    Column("source_ip", Text, nullable=True),
    Column("chain_seq", BigInteger, nullable=True),  # set by the sealer, with the two hashes
    Column("prev_hash", String(64), nullable=True),
    Column("hash", String(64), nullable=True),
    Index("ix_audit_log_patient", "patient_id", "seq"),
    Index("ix_audit_log_actor", "actor", "seq"),
    # Partial indexes: an insert touches neither; the sealer finds its work and the chain head.
    Index(
        "ux_audit_log_chain",
        "chain_seq",
        unique=True,
        postgresql_where=text("chain_seq IS NOT NULL"),
        sqlite_where=text("chain_seq IS NOT NULL"),
    ),
    Index(
        "ix_audit_log_unsealed",
        "seq",
        postgresql_where=text("chain_seq IS NULL"),
        sqlite_where=text("chain_seq IS NULL"),
    ),
    sqlite_autoincrement=True,  # never reuse a seq, as PostgreSQL's sequence does not
)

arco_requests = Table(
    "arco_requests",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("patient_id", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # access rectification cancellation opposition
    Column("status", String(16), nullable=False),  # filed answered executed rejected
    Column("filed_us", BigInteger, nullable=False),
    Column("answer_due_us", BigInteger, nullable=False),
    Column("execute_due_us", BigInteger, nullable=True),
    Column("answered_us", BigInteger, nullable=True),
    Column("executed_us", BigInteger, nullable=True),
    Column("details", Text, nullable=False, default="{}"),  # JSON: what, why, the answer
)

# Cancellation blocks what another law requires to keep: invisible to every role but the
# regulator and administrators, with the legal reason; never destroyed before its term.
blocked_resources = Table(
    "blocked_resources",
    metadata,
    Column("resource_type", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("patient_id", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("blocked_us", BigInteger, nullable=False),
    Column("request_id", String(64), nullable=True),
)
