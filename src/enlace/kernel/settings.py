"""Typed settings read from the environment (prefix ENLACE_), with safe embedded defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]


DEV_SECRET = "enlace-development-secret-do-not-use-in-production"


def _default_var_dir() -> Path:
    return Path(os.environ.get("ENLACE_VAR_DIR", PROJECT_ROOT / "var"))


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    var_dir: Path = field(default_factory=_default_var_dir)
    max_body_bytes: int = 10 * 1024 * 1024
    default_page_size: int = 50
    max_page_size: int = 1000
    log_level: str = "INFO"
    log_requests: bool = True
    threads: int = 4  # request threads per worker process (PostgreSQL writes, searches, Bundles)
    pool_size: int = 8  # database connections per engine per worker process
    # Security (docs/security.md). Development runs with auth off unless asked; production
    # refuses to start without auth, TLS and non-default secrets (enlace.security.hardening).
    environment: str = "development"
    auth_enabled: bool = False
    audit_enabled: bool = True  # off only to measure its cost; production refuses it off
    secret_key: str = DEV_SECRET
    signing_key_pem: str = ""  # EC private key (PEM) for access tokens; dev: var/keys/
    data_keys: str = ""  # comma-separated base64 keys, newest first, for identifiers at rest
    access_token_seconds: int = 300
    refresh_token_seconds: int = 30 * 24 * 3600
    login_max_failures: int = 5
    lockout_seconds: int = 900
    # Administrators must enrol and use TOTP (ASVS V4.3.1): None = in production only;
    # ENLACE_ADMIN_TOTP=1 asks it of development too, =0 turns it off (production refuses that).
    admin_totp: bool | None = None
    tls_cert_file: str = ""
    tls_key_file: str = ""
    cors_origins: tuple[str, ...] = ()
    # Abuse limits (docs/security.md): per-client token buckets (0 = off, per worker process),
    # request shape and query cost, and the time a read statement may run.
    rate_limit_per_second: float = 0.0
    rate_limit_burst: int = 100
    max_json_depth: int = 64
    max_json_elements: int = 1_000_000
    max_query_bytes: int = 8192
    max_search_params: int = 50
    max_param_values: int = 100
    search_timeout_seconds: float = 10.0
    # ARCO rights (LFPDPPP; docs/security.md "ARCO rights"): deadlines in business days (días
    # hábiles, Mon-Fri minus Mexican federal holidays and these extra days: YYYY-MM-DD or MM-DD).
    arco_answer_days: int = 20
    arco_execute_days: int = 15
    arco_holidays: tuple[str, ...] = ()
    arco_retention_reason: str = ""  # why cancelled data is kept; "" = NOM-004-SSA3-2012
    # Transparency log (docs/trace.md): the checkpoint signer key (PRIVATE+KEY+..., `enlace ledger
    # keygen`; development derives one from secret_key, production refuses to start without it),
    # the log's origin line ("" = the key's name) and how old a checkpoint may get while it grows.
    log_signing_key: str = ""
    log_origin: str = ""
    log_checkpoint_seconds: float = 1.0
    # Remote-monitoring alerts (docs/monitoring.md "Escalation"): how often a serving process
    # runs the escalation clock and the no-data alarm (0 = not in this process).
    alert_loop_seconds: float = 30.0
    # Operations (docs/operations.md): /metrics bearer token ("" = localhost only in production),
    # traces exporter ("" off | console | otlp), whether serving processes also run the outbox
    # workers (off when `enlace workers serve` runs them), and readyz's bounds.
    metrics_token: str = ""
    tracing: str = ""
    inprocess_workers: bool = True
    ready_outbox_lag_seconds: float = 0.0  # 0 = outbox lag not checked
    ready_scheduler_seconds: float = 0.0  # 0 = no scheduler heartbeat expected

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'enlace.db'}"

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def admin_totp_required(self) -> bool:
        return self.production if self.admin_totp is None else self.admin_totp

    @property
    def export_dir(self) -> Path:
        return self.var_dir / "exports"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        values: dict[str, object] = {
            "database_url": env.get("ENLACE_DATABASE_URL", ""),
            "var_dir": _default_var_dir(),
            "max_body_bytes": int(env.get("ENLACE_MAX_BODY_BYTES", 10 * 1024 * 1024)),
            "default_page_size": int(env.get("ENLACE_DEFAULT_PAGE_SIZE", 50)),
            "max_page_size": int(env.get("ENLACE_MAX_PAGE_SIZE", 1000)),
            "log_level": env.get("ENLACE_LOG_LEVEL", "INFO"),
            "log_requests": _flag(env.get("ENLACE_LOG_REQUESTS", "1")),
            "threads": int(env.get("ENLACE_THREADS", 4)),
            "pool_size": int(env.get("ENLACE_DB_POOL_SIZE", 8)),
            "environment": env.get("ENLACE_ENV", "development"),
            "auth_enabled": _flag(env.get("ENLACE_AUTH", "0")),
            "audit_enabled": _flag(env.get("ENLACE_AUDIT", "1")),
            "secret_key": env.get("ENLACE_SECRET_KEY", DEV_SECRET),
            "signing_key_pem": _file_or_value(env.get("ENLACE_SIGNING_KEY", "")),
            "data_keys": env.get("ENLACE_DATA_KEYS", ""),
            "access_token_seconds": min(int(env.get("ENLACE_ACCESS_TOKEN_SECONDS", 300)), 300),
            "refresh_token_seconds": int(env.get("ENLACE_REFRESH_TOKEN_SECONDS", 30 * 24 * 3600)),
            "login_max_failures": int(env.get("ENLACE_LOGIN_MAX_FAILURES", 5)),
            "lockout_seconds": int(env.get("ENLACE_LOCKOUT_SECONDS", 900)),
            "admin_totp": _flag(env["ENLACE_ADMIN_TOTP"]) if env.get("ENLACE_ADMIN_TOTP") else None,
            "tls_cert_file": env.get("ENLACE_TLS_CERT_FILE", ""),
            "tls_key_file": env.get("ENLACE_TLS_KEY_FILE", ""),
            "cors_origins": tuple(
                o.strip().rstrip("/")
                for o in env.get("ENLACE_CORS_ORIGINS", "").split(",")
                if o.strip()
            ),
            "rate_limit_per_second": float(env.get("ENLACE_RATE_LIMIT", 0)),
            "rate_limit_burst": int(env.get("ENLACE_RATE_LIMIT_BURST", 100)),
            "max_json_depth": int(env.get("ENLACE_MAX_JSON_DEPTH", 64)),
            "max_json_elements": int(env.get("ENLACE_MAX_JSON_ELEMENTS", 1_000_000)),
            "max_query_bytes": int(env.get("ENLACE_MAX_QUERY_BYTES", 8192)),
            "max_search_params": int(env.get("ENLACE_MAX_SEARCH_PARAMS", 50)),
            "max_param_values": int(env.get("ENLACE_MAX_PARAM_VALUES", 100)),
            "search_timeout_seconds": float(env.get("ENLACE_SEARCH_TIMEOUT", 10)),
            "arco_answer_days": int(env.get("ENLACE_ARCO_ANSWER_DAYS", 20)),
            "arco_execute_days": int(env.get("ENLACE_ARCO_EXECUTE_DAYS", 15)),
            "arco_holidays": tuple(
                d.strip() for d in env.get("ENLACE_ARCO_HOLIDAYS", "").split(",") if d.strip()
            ),
            "arco_retention_reason": env.get("ENLACE_ARCO_RETENTION_REASON", ""),
            "log_signing_key": env.get("ENLACE_LOG_SIGNING_KEY", "").strip(),
            "log_origin": env.get("ENLACE_LOG_ORIGIN", ""),
            "log_checkpoint_seconds": float(env.get("ENLACE_LOG_CHECKPOINT_SECONDS", 1)),
            "alert_loop_seconds": float(env.get("ENLACE_ALERT_LOOP_SECONDS", 30)),
            "metrics_token": env.get("ENLACE_METRICS_TOKEN", ""),
            "tracing": env.get("ENLACE_TRACING", "").strip().lower(),
            "inprocess_workers": _flag(env.get("ENLACE_INPROCESS_WORKERS", "1")),
            "ready_outbox_lag_seconds": float(env.get("ENLACE_READY_OUTBOX_LAG", 0)),
            "ready_scheduler_seconds": float(env.get("ENLACE_READY_SCHEDULER", 0)),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def _flag(value: str) -> bool:
    return value.strip().lower() not in ("", "0", "false", "no", "off")


def _file_or_value(value: str) -> str:
    """A PEM given inline, or the path of a file holding it."""
    if value and not value.lstrip().startswith("-----") and Path(value).is_file():
        return Path(value).read_text()
    return value
