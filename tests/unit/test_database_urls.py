"""Which database URLs are accepted (no connection is opened)."""

from __future__ import annotations

import pytest

from enlace.store.database import _normalize_postgres_url, open_database


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true"]
)
def test_in_memory_sqlite_is_refused_with_a_reason(url: str) -> None:
    with pytest.raises(ValueError, match="in-memory"):
        open_database(url)


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_postgres_urls_use_psycopg_3(url: str, normalized: str) -> None:
    assert _normalize_postgres_url(url) == normalized
