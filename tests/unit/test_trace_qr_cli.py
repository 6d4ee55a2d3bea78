"""`enlace trace qr`: the printed Digital Link round-trips through the parser, PNG and SVG are
written, and bad input (check digit, date, length, format) exits 2 with the parser's reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.modules.catalog import formulary
from enlace.modules.trace import parse_digital_link

GTIN = formulary()[0].gtin
BASE = "https://enlace.example"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["trace", "qr", *args])
    return result.exit_code, result.stdout, result.stderr


def pack_args(**changes: str) -> list[str]:
    given = {"gtin": GTIN, "lot": "AB-12/3", "serial": "SN0001%", "expiry": "271130"} | changes
    return [arg for name, value in given.items() for arg in (f"--{name}", value)]


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_the_link_round_trips_and_the_image_is_written(tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"pack.{kind}"
    status, stdout, stderr = run(*pack_args(), "--base", BASE, "--out", str(out))
    assert status == 0, stderr
    link = stdout.strip()
    assert link == f"{BASE}/01/{GTIN}/10/AB-12%2F3/21/SN0001%25?17=271130"
    code = parse_digital_link(link)
    assert (code.gtin, code.lot, code.serial, code.expiry) == (
        GTIN,
        "AB-12/3",
        "SN0001%",
        "271130",
    )
    content = out.read_bytes()
    if kind == "png":
        assert content.startswith(b"\x89PNG\r\n\x1a\n")
    else:
        assert content.lstrip().startswith(b"<?xml") and b"<svg" in content
        assert link.replace("&", "&amp;").encode() in content  # the SVG's title names the link


def test_format_option_wins_over_the_suffix(tmp_path: Path) -> None:
    out = tmp_path / "pack.img"
    status, _, stderr = run(*pack_args(), "--format", "svg", "--out", str(out))
    assert status == 0, stderr
    assert b"<svg" in out.read_bytes()


def test_without_out_the_code_is_drawn_in_the_terminal() -> None:
    status, stdout, _ = run(*pack_args(), "--base", BASE)
    assert status == 0
    first, *drawing = stdout.splitlines()
    assert first.startswith(f"{BASE}/01/{GTIN}/") and len(drawing) > 10


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"gtin": GTIN[:-1] + str((int(GTIN[-1]) + 1) % 10)}, "check digit"),
        ({"expiry": "271340"}, "month 13"),
        ({"lot": "L" * 21}, "at most 20 characters"),
        ({"serial": "é"}, "not ASCII"),
    ],
)
def test_bad_input_exits_2_with_the_reason(
    tmp_path: Path, changes: dict[str, str], reason: str
) -> None:
    out = tmp_path / "pack.png"
    status, stdout, stderr = run(*pack_args(**changes), "--out", str(out))
    assert status == 2 and reason in stderr and stdout == ""
    assert not out.exists()


def test_unknown_format_exits_2(tmp_path: Path) -> None:
    status, stdout, stderr = run(*pack_args(), "--out", str(tmp_path / "pack.gif"))
    assert status == 2 and "png or svg" in stderr and stdout == ""
