"""Typed settings read from the environment (prefix ENLACE_), with safe embedded defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]


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

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'enlace.db'}"

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
            "log_requests": env.get("ENLACE_LOG_REQUESTS", "1").lower() not in ("0", "false", "no"),
            "threads": int(env.get("ENLACE_THREADS", 4)),
            "pool_size": int(env.get("ENLACE_DB_POOL_SIZE", 8)),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
