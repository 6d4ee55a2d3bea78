"""deploy/: the Containerfile builds from the Python base image and PyPI only, the systemd units
run commands `enlace` has (with options it accepts), the env template names real settings."""

from __future__ import annotations

import configparser
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from enlace.entrypoints.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def resolve(argv: list[str]) -> None:
    """Parse `enlace <argv>` the way the command line would, without running it."""
    command: Any = typer.main.get_command(app)  # typer's own click: no isinstance with click's
    args = list(argv)
    while hasattr(command, "commands"):  # a group: walk down to the named command
        name = args.pop(0)
        sub = command.commands.get(name)
        assert sub is not None, f"enlace has no command {name!r} ({argv})"
        command = sub
    command.make_context("enlace", args)  # raises on an unknown option or a bad value


def test_the_containerfile_uses_only_the_python_image_and_the_registries() -> None:
    steps = instructions((DEPLOY / "Containerfile").read_text())
    bases = [args.split()[0] for word, args in steps if word == "FROM"]
    assert bases and all(b.startswith("docker.io/library/python:3.11-slim") for b in bases)
    runs = " ".join(args for word, args in steps if word == "RUN")
    assert "pip install --no-cache-dir -c constraints.txt ." in runs
    assert not re.search(r"\b(curl|wget)\b|https?://", runs)  # nothing fetched by hand
    assert all(not args.startswith("http") for word, args in steps if word == "ADD")
    for word, args in steps:
        if word == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1] != "root"
    entry = next(args for word, args in steps if word == "ENTRYPOINT")
    command = next(args for word, args in steps if word == "CMD")
    assert entry == '["enlace"]'
    resolve(json.loads(command))


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_each_unit_runs_a_real_enlace_command(unit: Path) -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(unit)
    service = parser["Service"]
    assert service["User"] == "enlace" and service["EnvironmentFile"] == "/etc/enlace/enlace.env"
    assert service["Restart"] in ("on-failure", "always")
    for key in ("ExecStartPre", "ExecStart"):
        if key in service:
            program, *argv = shlex.split(service[key])
            assert program == "/opt/enlace/.venv/bin/enlace"
            resolve(argv)
    assert parser["Install"]["WantedBy"] == "multi-user.target"


def test_the_unit_set_covers_every_process() -> None:
    names = {unit.name for unit in UNITS}
    core = {
        "enlace-api.service",
        "enlace-workers.service",
        "enlace-mqtt.service",
        "enlace-scheduler.service",
    }
    optional = {"enlace-relay.service"}  # only where NATS consumers read the change stream
    assert names == core | optional
    target = (DEPLOY / "systemd" / "enlace.target").read_text()
    assert all(name in target for name in core)
    assert not any(name in target for name in optional)


def test_the_relay_unit_runs_the_nats_relay_and_is_documented() -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(DEPLOY / "systemd" / "enlace-relay.service")
    argv = shlex.split(parser["Service"]["ExecStart"])
    assert argv[1:3] == ["relay", "nats"] and "--once" not in argv  # the long-running relay
    assert "enlace-relay.service" in (ROOT / "docs" / "operations.md").read_text()
    assert "enlace-relay.service" in (ROOT / "docs" / "scale.md").read_text()


def test_the_env_template_names_only_settings_the_code_reads() -> None:
    code = " ".join(p.read_text() for p in (ROOT / "src" / "enlace").rglob("*.py"))
    known = set(re.findall(r"ENLACE_[A-Z0-9_]+", code))
    template = (DEPLOY / "enlace.env.example").read_text()
    keys = re.findall(r"^(ENLACE_[A-Z0-9_]+)=", template, re.M)
    assert "ENLACE_ENV" in keys and "ENLACE_METRICS_TOKEN" in keys
    assert sorted(set(keys) - known) == []


def test_a_unit_naming_a_wrong_option_would_fail() -> None:
    with pytest.raises(Exception, match="No such option: --threads"):
        resolve(["serve", "--threads", "4"])
    with pytest.raises(Exception, match="valid integer"):
        resolve(["serve", "--workers", "many"])
    with pytest.raises(AssertionError, match="no command 'serv'"):
        resolve(["serv"])
