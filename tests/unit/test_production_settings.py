"""Production refuses to start with unsafe settings (each problem alone); development warns."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app as cli
from enlace.entrypoints.http import asgi
from enlace.entrypoints.http.hardening import check_startup
from enlace.kernel.settings import DEV_SECRET, Settings
from enlace.modules.trace import generate_signer
from enlace.security.hardening import production_problems, startup_warnings

POSTGRES = "postgresql://enlace@db.internal:5432/enlace?sslmode=verify-full"


def _pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _self_signed(directory: Path) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "enlace.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_text(_pem(key))
    return str(cert_file), str(key_file)


@pytest.fixture
def safe(tmp_path: Path) -> Settings:
    """Production settings with nothing to complain about."""
    cert_file, key_file = _self_signed(tmp_path)
    return Settings(
        database_url=POSTGRES,
        var_dir=tmp_path,
        environment="production",
        auth_enabled=True,
        secret_key="s" * 48,
        signing_key_pem=_pem(ec.generate_private_key(ec.SECP256R1())),
        data_keys=base64.b64encode(b"k" * 32).decode(),
        tls_cert_file=cert_file,
        tls_key_file=key_file,
        cors_origins=("https://app.example",),
        rate_limit_per_second=20,
        log_signing_key=generate_signer("enlace.test/log").skey,
    )


def test_safe_production_settings_have_no_problem_and_no_warning(safe: Settings) -> None:
    assert production_problems(safe) == []
    assert startup_warnings(safe) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"auth_enabled": False}, "authentication is off"),
        ({"audit_enabled": False}, "audit trail is off"),
        ({"secret_key": DEV_SECRET}, "development default"),
        ({"secret_key": "short-but-random"}, "shorter than 32"),
        ({"signing_key_pem": ""}, "no token signing key"),
        ({"signing_key_pem": "-----BEGIN PRIVATE KEY-----\nnope\n"}, "is not a PEM key"),
        ({"signing_key_pem": _pem(ec.generate_private_key(ec.SECP384R1()))}, "EC P-256"),
        ({"data_keys": ""}, "no data encryption keys"),
        ({"data_keys": "not base64!"}, "key 1 is not base64"),
        ({"data_keys": base64.b64encode(b"k" * 16).decode()}, "has 16 bytes"),
        ({"tls_cert_file": ""}, "TLS is not configured"),
        ({"tls_key_file": ""}, "TLS is not configured"),
        ({"tls_cert_file": "/nonexistent/cert.pem"}, "cannot be loaded"),
        ({"database_url": ""}, "the database is SQLite"),
        ({"database_url": "sqlite:////srv/enlace.db"}, "the database is SQLite"),
        ({"cors_origins": ("*",)}, "holds '*'"),
        ({"cors_origins": ("http://app.example",)}, "is not an https origin"),
        ({"log_signing_key": ""}, "no transparency log signing key"),
    ],
)
def test_each_problem_alone_is_reported(safe: Settings, change: dict, expected: str) -> None:
    problems = production_problems(replace(safe, **change))
    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_unreadable_tls_key_is_a_problem(safe: Settings) -> None:
    Path(safe.tls_key_file).write_text("garbage")
    [problem] = production_problems(safe)
    assert "cannot be loaded" in problem


def test_a_misspelt_environment_is_refused_whatever_else(safe: Settings) -> None:
    problems = production_problems(replace(safe, environment="prod", auth_enabled=False))
    assert problems == ["ENLACE_ENV is 'prod': use 'production' or 'development'"]


def test_development_is_never_refused_but_warns_about_auth() -> None:
    development = Settings(cors_origins=("*",))
    assert production_problems(development) == []
    warnings = startup_warnings(development)
    assert len(warnings) == 2
    assert "authentication is off" in warnings[0] and "every origin" in warnings[1]


def test_production_warns_about_rate_limit_and_database_in_clear(safe: Settings) -> None:
    loose = replace(
        safe, rate_limit_per_second=0, database_url="postgresql://enlace@db.internal/enlace"
    )
    warnings = startup_warnings(loose)
    assert len(warnings) == 2
    assert "ENLACE_RATE_LIMIT" in warnings[0] and "sslmode" in warnings[1]
    local = replace(loose, database_url="postgresql://enlace@127.0.0.1/enlace")
    assert len(startup_warnings(local)) == 1


def test_check_startup_exits_2_listing_every_problem(
    safe: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        check_startup(replace(safe, auth_enabled=False, secret_key=DEV_SECRET))
    assert exited.value.code == 2
    printed = capsys.readouterr().err
    assert "refusing to start" in printed
    assert "authentication is off" in printed and "development default" in printed


def test_check_startup_logs_one_warning_line_per_problem_in_development(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="enlace.http"):
        check_startup(Settings())
    assert [r.getMessage() for r in caplog.records if "authentication is off" in r.getMessage()]
    assert len(caplog.records) == 1


def test_serve_refuses_production_defaults_with_status_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENLACE_ENV", "production")
    monkeypatch.setenv("ENLACE_DATABASE_URL", "sqlite:////nonexistent/never-opened.db")
    result = CliRunner().invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "authentication is off" in result.output
    assert "the database is SQLite" in result.output
    assert not Path("/nonexistent/never-opened.db").exists()  # refused before migrating


def test_asgi_factory_refuses_production_defaults_with_status_2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENLACE_ENV", "production")
    built: list[object] = []
    monkeypatch.setattr(asgi, "build", lambda *a, **k: built.append(a))
    with pytest.raises(SystemExit) as exited:
        asgi.app_factory()
    assert exited.value.code == 2
    assert built == []  # nothing was opened or started
