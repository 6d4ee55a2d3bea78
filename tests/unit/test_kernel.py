"""Kernel: errors as OperationOutcomes, FHIR instants, seeded ids and settings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from enlace.kernel import errors
from enlace.kernel.clock import fhir_instant, system_clock
from enlace.kernel.errors import FhirError, Issue
from enlace.kernel.ids import random_ids, seeded_ids
from enlace.kernel.settings import PROJECT_ROOT, Settings

# -- errors -----------------------------------------------------------------------------------


def test_issue_to_fhir_with_and_without_expression() -> None:
    assert Issue("required", "Patient.name is required", "Patient.name").to_fhir() == {
        "severity": "error",
        "code": "required",
        "diagnostics": "Patient.name is required",
        "expression": ["Patient.name"],
    }
    assert Issue("informational", "fine", severity="information").to_fhir() == {
        "severity": "information",
        "code": "informational",
        "diagnostics": "fine",
    }


def test_fhir_error_outcome_and_message() -> None:
    error = errors.unprocessable(
        [Issue("value", "bad gender", "Patient.gender"), Issue("structure", "Unknown element 'x'")]
    )
    assert error.status == 422
    assert error.message == "bad gender; Unknown element 'x'"
    assert str(error) == error.message
    assert error.outcome() == {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "value",
                "diagnostics": "bad gender",
                "expression": ["Patient.gender"],
            },
            {"severity": "error", "code": "structure", "diagnostics": "Unknown element 'x'"},
        ],
    }


def test_fhir_error_without_issues() -> None:
    error = FhirError(503)
    assert error.message == "HTTP 503"
    assert error.outcome() == {"resourceType": "OperationOutcome", "issue": []}
    assert error.headers == {}


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (errors.bad_request("x"), 400, "invalid"),
        (errors.bad_request("x", "Patient.id", code="structure"), 400, "structure"),
        (errors.not_found("x"), 404, "not-found"),
        (errors.gone("x"), 410, "deleted"),
        (errors.conflict("x"), 409, "conflict"),
        (errors.precondition_failed("x"), 412, "conflict"),
        (errors.error(415, "not-supported", "x"), 415, "not-supported"),
    ],
)
def test_error_factories(error: FhirError, status: int, code: str) -> None:
    assert error.status == status
    assert [issue.code for issue in error.issues] == [code]
    assert error.message == "x"
    assert isinstance(error, Exception)


def test_bad_request_expression_and_gone_headers() -> None:
    assert errors.bad_request("x", "Patient.id").issues[0].expression == "Patient.id"
    assert errors.gone("x", {"ETag": 'W/"2"'}).headers == {"ETag": 'W/"2"'}


def test_fhir_error_can_be_raised_and_caught() -> None:
    with pytest.raises(FhirError, match=r"^nope$") as caught:
        raise errors.not_found("nope")
    assert caught.value.status == 404


# -- clock ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 1, 1, tzinfo=UTC), "2026-01-01T00:00:00.000Z"),
        (datetime(2026, 1, 1, 0, 0, 0, 1_000, tzinfo=UTC), "2026-01-01T00:00:00.001Z"),
        (datetime(2026, 1, 1, 0, 0, 0, 999_999, tzinfo=UTC), "2026-01-01T00:00:00.999Z"),
        (
            datetime(2026, 1, 1, 6, 30, tzinfo=timezone(timedelta(hours=-6))),
            "2026-01-01T12:30:00.000Z",
        ),
        (
            datetime(2026, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))),
            "2025-12-31T23:00:00.000Z",
        ),
    ],
)
def test_fhir_instant(moment: datetime, text: str) -> None:
    assert fhir_instant(moment) == text


def test_system_clock_is_aware_utc() -> None:
    now = system_clock()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)


# -- ids --------------------------------------------------------------------------------------


def test_seeded_ids_are_deterministic_uuid4() -> None:
    first, second = seeded_ids(42), seeded_ids(42)
    sequence = [first() for _ in range(20)]
    assert sequence == [second() for _ in range(20)]
    assert len(set(sequence)) == 20
    for text in sequence:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_different_seeds_give_different_ids() -> None:
    assert seeded_ids(1)() != seeded_ids(2)()


def test_random_ids_are_uuid4() -> None:
    a, b = random_ids(), random_ids()
    assert a != b and uuid.UUID(a).version == 4


# -- settings ---------------------------------------------------------------------------------

ENV_NAMES = (
    "ENLACE_DATABASE_URL",
    "ENLACE_VAR_DIR",
    "ENLACE_MAX_BODY_BYTES",
    "ENLACE_DEFAULT_PAGE_SIZE",
    "ENLACE_MAX_PAGE_SIZE",
    "ENLACE_LOG_LEVEL",
    "ENLACE_LOG_REQUESTS",
    "ENLACE_THREADS",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_settings_defaults(clean_env: pytest.MonkeyPatch) -> None:
    settings = Settings.from_env()
    assert settings.database_url == ""
    assert settings.var_dir == PROJECT_ROOT / "var"
    assert settings.resolved_database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'enlace.db'}"
    assert settings.export_dir == PROJECT_ROOT / "var" / "exports"
    assert settings.max_body_bytes == 10 * 1024 * 1024
    assert (settings.default_page_size, settings.max_page_size) == (50, 1000)
    assert settings.log_requests is True
    assert (PROJECT_ROOT / "pyproject.toml").is_file()


def test_settings_from_environment(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("ENLACE_DATABASE_URL", "postgresql://enlace@db/enlace")
    clean_env.setenv("ENLACE_MAX_BODY_BYTES", "2048")
    clean_env.setenv("ENLACE_VAR_DIR", str(tmp_path))
    clean_env.setenv("ENLACE_MAX_PAGE_SIZE", "200")
    clean_env.setenv("ENLACE_LOG_LEVEL", "DEBUG")
    settings = Settings.from_env()
    assert settings.database_url == "postgresql://enlace@db/enlace"
    assert settings.resolved_database_url == "postgresql://enlace@db/enlace"
    assert settings.max_body_bytes == 2048
    assert settings.max_page_size == 200
    assert settings.log_level == "DEBUG"
    assert settings.var_dir == tmp_path
    assert settings.export_dir == tmp_path / "exports"


def test_sqlite_default_lives_under_var_dir(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("ENLACE_VAR_DIR", str(tmp_path / "data"))
    settings = Settings.from_env()
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'data' / 'enlace.db'}"
    assert Settings(var_dir=tmp_path).resolved_database_url == f"sqlite:///{tmp_path}/enlace.db"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", False), ("false", False), ("no", False), ("1", True), ("yes", True)],
)
def test_log_requests_flag(clean_env: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    clean_env.setenv("ENLACE_LOG_REQUESTS", value)
    assert Settings.from_env().log_requests is expected


def test_overrides_win_over_the_environment(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("ENLACE_DATABASE_URL", "postgresql://ignored@db/x")
    clean_env.setenv("ENLACE_MAX_BODY_BYTES", "2048")
    settings = Settings.from_env(database_url="sqlite:///x.db", max_body_bytes=10, var_dir=tmp_path)
    assert settings.resolved_database_url == "sqlite:///x.db"
    assert settings.max_body_bytes == 10
    assert settings.var_dir == tmp_path


def test_non_integer_size_is_refused(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("ENLACE_MAX_BODY_BYTES", "ten megabytes")
    with pytest.raises(ValueError):
        Settings.from_env()


def test_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        Settings().max_body_bytes = 1
