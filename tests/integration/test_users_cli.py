"""`enlace users`: add (password from standard input), totp, unlock, disable-totp, list."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from enlace.entrypoints.cli import users_cli
from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us, system_clock
from enlace.security import passwords, users

PASSWORD = "nopal verde en la azotea"


@pytest.fixture(autouse=True)
def env(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Services:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(1, 1024, 1))
    return services


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["users", *args], input=stdin)
    return result.exit_code, result.output


def test_add_reads_the_password_from_stdin_and_never_echoes_it(services: Services) -> None:
    code, output = run(
        "add",
        "--username",
        "Dra.Lopez",
        "--role",
        "physician",
        "--organization",
        "clinica-1",
        "--fhir-user",
        "Practitioner/p9",
        "--display-name",
        "Dra. López",
        stdin=PASSWORD + "\n",
    )
    assert code == 0, output
    assert "user dra.lopez (physician) created" in output and PASSWORD not in output
    with services.db.begin() as conn:
        user = users.authenticate(
            conn, "dra.lopez", PASSWORD, epoch_us(system_clock()), services.settings
        )
    assert (user.organization, user.fhir_user, user.display_name) == (
        "clinica-1",
        "Practitioner/p9",
        "Dra. López",
    )


def test_on_a_terminal_the_password_is_prompted_twice_without_echo(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(users_cli, "_stdin_is_terminal", lambda: True)
    code, output = run("add", "--username", "eva", "--role", "nurse", stdin=f"{PASSWORD}\nother\n")
    assert code == 1 and "do not match" in output and PASSWORD not in output
    code, output = run(
        "add", "--username", "eva", "--role", "nurse", stdin=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert code == 0 and "Repeat for confirmation" in output and PASSWORD not in output


def test_add_has_no_password_option() -> None:
    code, output = run("add", "--username", "x", "--role", "nurse", "--password", PASSWORD)
    assert code == 2 and "No such option" in output


def test_add_with_patients_and_policy_errors(services: Services) -> None:
    code, output = run(
        "add", "--username", "rosa", "--role", "caregiver", "--patient", "p1", "--patient",
        "p2", "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0, output
    with services.db.read() as conn:
        rosa = users.get_user(conn, "rosa")
    assert rosa is not None and rosa.patients == ("p1", "p2")
    code, output = run("add", "--username", "beto", "--role", "patient", stdin=PASSWORD + "\n")
    assert code == 1 and "needs at least one patient" in output
    code, output = run("add", "--username", "beto", "--role", "nurse", stdin="corta\n")
    assert code == 1 and "'min-length'" in output
    code, output = run("add", "--username", "beto", "--role", "nurse", stdin="")
    assert code == 2 and "no password" in output


def test_totp_prints_the_uri_and_a_qr_code(services: Services) -> None:
    run("add", "--username", "ana", "--role", "nurse", stdin=PASSWORD + "\n")
    code, output = run("totp", "--username", "ANA")
    assert code == 0, output
    assert "otpauth://totp/Enlace:ana?" in output and "issuer=Enlace" in output
    assert "\u2588" in output or "\u2580" in output  # block characters of the terminal QR
    with services.db.read() as conn:
        ana = users.get_user(conn, "ana")
    assert ana is not None and ana.totp_enabled
    code, output = run("disable-totp", "--username", "ana")
    assert code == 0 and "TOTP disabled" in output
    code, output = run("totp", "--username", "nadie")
    assert code == 1 and "No user 'nadie'" in output


def test_unlock_and_list(services: Services) -> None:
    run(
        "add", "--username", "ana", "--role", "nurse", "--organization", "c1", stdin=PASSWORD + "\n"
    )
    run("add", "--username", "beto", "--role", "analyst", stdin=PASSWORD + "\n")
    settings = services.settings
    now = epoch_us(system_clock())
    with services.db.begin() as conn:
        for _ in range(settings.login_max_failures):
            users.attempt_password(conn, "ana", "wrong password!", now, settings)
    code, output = run("list")
    assert code == 0
    lines = output.splitlines()
    assert lines[0] == "username\trole\torganization\ttotp\tstate"
    assert lines[1].startswith("ana\tnurse\tc1\toff\tlocked until ")
    assert lines[2] == "beto\tanalyst\t-\toff\tactive"
    code, output = run("unlock", "--username", "ana")
    assert code == 0 and "unlocked" in output
    assert run("list")[1].splitlines()[1] == "ana\tnurse\tc1\toff\tactive"
