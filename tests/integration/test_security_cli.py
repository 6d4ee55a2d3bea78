"""`enlace clients add|list` and `enlace token issue` on both stores."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.kernel.settings import Settings
from enlace.security import clients, keys, passwords, users
from enlace.security.tokens import verify_access_token
from tests.support.oauth_clients import ec_key

FHIR = "http://127.0.0.1:8000/fhir"


@pytest.fixture
def env(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(1, 1024, 1))
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def add_backend(env: Path, *extra: str) -> str:
    jwks = env / "jwks.json"
    jwks.write_text(json.dumps(ec_key().jwks()))
    code, out, err = run(
        "clients", "add", "--name", "Laboratorio Central", "--kind", "backend",
        "--scope", "system/Observation.crs system/Patient.rs", "--jwks", str(jwks), *extra,
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("client_id: ") and "client_secret" not in out
    return out.split()[1]


def verified(token: str) -> object:
    key = keys.signing_key(Settings.from_env())
    return verify_access_token(token, key, audience=FHIR, now=datetime.now(UTC))


def test_backend_client_and_a_system_token(env: Path, services: Services) -> None:
    client_id = add_backend(env)
    with services.db.read() as conn:
        stored = clients.get(conn, client_id)
    assert stored is not None and stored.kind == "backend" and stored.jwks == ec_key().jwks()
    code, out, err = run(
        "token",
        "issue",
        "--client",
        client_id,
        "--scope",
        "system/*.rs system/Condition.rs",
        "--lifetime",
        "60",
    )
    assert code == 0, err
    assert "scope: system/Observation.rs system/Patient.rs; expires in 60 s" in err
    access = verified(out.strip())
    assert access.kind == "client" and access.grants("Patient", "r") == [()]  # type: ignore[attr-defined]
    assert access.grants("Condition", "r") == []  # type: ignore[attr-defined]
    code, out, _ = run("clients", "list")
    assert code == 0 and f"{client_id}\tbackend\tactive\tLaboratorio Central" in out


def test_confidential_client_prints_its_secret_once(env: Path, services: Services) -> None:
    code, out, err = run(
        "clients", "add", "--name", "Portal", "--kind", "confidential", "--scope", "user/*.rs",
        "--redirect-uri", "https://portal.example/cb", "--redirect-uri", "http://127.0.0.1:5000/cb",
    )  # fmt: skip
    assert code == 0, err
    lines = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    with services.db.read() as conn:
        stored = clients.get(conn, lines["client_id"])
    assert stored is not None and stored.redirect_uris == (
        "https://portal.example/cb",
        "http://127.0.0.1:5000/cb",
    )
    assert (
        stored.secret_matches(lines["client_secret"])
        and stored.secret_hash != lines["client_secret"]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "robot", "--scope", "user/*.rs"], "Unknown client kind 'robot'"),
        (["--kind", "public", "--scope", "user/*.rs"], "needs at least one redirect URI"),
        (
            ["--kind", "public", "--scope", "user/*.rs", "--redirect-uri", "http://app.example/cb"],
            "https",
        ),
        (["--kind", "backend", "--scope", "system/*.rs"], "needs a JWKS"),
        (
            ["--kind", "backend", "--scope", "system/*.rs", "--jwks-url", "ftp://x/jwks"],
            "Invalid JWKS URL",
        ),
        (
            [
                "--kind",
                "public",
                "--scope",
                "patient/Observation.zz",
                "--redirect-uri",
                "https://a/cb",
            ],
            "invalid the permissions",
        ),
        (
            [
                "--kind",
                "backend",
                "--scope",
                "system/*.rs",
                "--jwks-url",
                "https://a/j",
                "--role",
                "wizard",
            ],
            "Unknown role 'wizard'",
        ),
    ],
)
def test_bad_registrations_exit_1_naming_the_problem(
    env: Path, args: list[str], message: str
) -> None:
    code, _, err = run("clients", "add", "--name", "X", *args)
    assert code == 1 and message in err, err


def test_a_jwks_with_a_private_key_is_refused(env: Path) -> None:
    private = {"keys": [{**ec_key().public_jwk(), "d": "secret"}]}
    path = env / "private.json"
    path.write_text(json.dumps(private))
    code, _, err = run(
        "clients",
        "add",
        "--name",
        "X",
        "--kind",
        "backend",
        "--scope",
        "system/*.rs",
        "--jwks",
        str(path),
    )
    assert code == 1 and "private key material" in err


def test_token_for_a_user_is_held_to_the_role(env: Path, services: Services) -> None:
    code, out, _ = run(
        "clients", "add", "--name", "App", "--kind", "public", "--scope", "patient/*.cruds user/*.cruds",
        "--redirect-uri", "https://app.example/cb",
    )  # fmt: skip
    client_id = out.split()[1]
    with services.db.begin() as conn:
        users.add_user(conn, username="tere", password="nopal verde en la azotea", role="caregiver",
                       patients=("p1", "p2"), now_us=0)  # fmt: skip
    code, out, err = run(
        "token",
        "issue",
        "--client",
        client_id,
        "--scope",
        "patient/*.cruds",
        "--user",
        "tere",
        "--patient",
        "p2",
    )
    assert code == 0, err
    access = verified(out.strip())
    assert access.role == "caregiver" and access.patients == ("p2", "p1")  # type: ignore[attr-defined]
    assert access.grants("Observation", "c") == [()] and access.grants("Observation", "d") == []  # type: ignore[attr-defined]
    code, _, err = run(
        "token",
        "issue",
        "--client",
        client_id,
        "--scope",
        "patient/*.rs",
        "--user",
        "tere",
        "--patient",
        "p9",
    )
    assert code == 1 and "not one of this user's" in err


def test_token_refusals(env: Path) -> None:
    client_id = add_backend(env)
    code, _, err = run("token", "issue", "--client", client_id, "--scope", "system/Claim.rs")
    assert code == 1 and "invalid_scope" in err
    code, _, err = run("token", "issue", "--client", "nobody", "--scope", "system/*.rs")
    assert code == 1 and "Unknown or inactive client" in err
    code, _, _ = run(
        "token", "issue", "--client", client_id, "--scope", "system/*.rs", "--lifetime", "301"
    )
    assert code == 2  # refused by the option's range: tokens live at most 300 s
    code, _, err = run(
        "token", "issue", "--client", client_id, "--scope", "system/*.rs", "--user", "ghost"
    )
    assert code == 1 and "Unknown or inactive user 'ghost'" in err


def test_a_patient_token_for_a_script(env: Path) -> None:
    code, out, _ = run(
        "clients", "add", "--name", "App", "--kind", "public", "--scope", "patient/*.rs",
        "--redirect-uri", "https://app.example/cb",
    )  # fmt: skip
    client_id = out.split()[1]
    code, out, err = run(
        "token",
        "issue",
        "--client",
        client_id,
        "--scope",
        "patient/Observation.rs",
        "--patient",
        "p7",
    )
    assert code == 0, err
    access = verified(out.strip())
    assert access.patients == ("p7",) and access.grants("Observation", "s") == [()]  # type: ignore[attr-defined]
