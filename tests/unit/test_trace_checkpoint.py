"""C2SP signed notes and checkpoints: the spec's example, round trips, and every tampering refused."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enlace.modules.trace.checkpoint import Checkpoint, open_checkpoint, parse_body, sign_checkpoint
from enlace.modules.trace.errors import NoteError
from enlace.modules.trace.memory import MemoryLog
from enlace.modules.trace.note import (
    generate_signer,
    key_id,
    open_note,
    parse_signer,
    parse_verifier,
    sign_note,
)

# The example in c2sp.org/signed-note.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n"
    "\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAl"
    "TgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)
ORIGIN = "trace.enlace.example/log"
SIGNER = generate_signer(ORIGIN)
VERIFIER = parse_verifier(SIGNER.verifier.vkey)


def signed(size: int = 5, extensions: tuple[str, ...] = ()) -> tuple[Checkpoint, str]:
    log = MemoryLog()
    log.extend(bytes([i]) for i in range(size))
    checkpoint = Checkpoint(ORIGIN, size, log.root(), extensions)
    return checkpoint, sign_checkpoint(checkpoint, [SIGNER])


def test_the_spec_example_verifies() -> None:
    verifier = parse_verifier(SPEC_VKEY)
    assert verifier.key_id.hex() == "530d903a"
    assert open_note(SPEC_NOTE, [verifier]) == "This is an example message.\n"
    with pytest.raises(NoteError) as caught:
        open_note(SPEC_NOTE.replace("example message", "example massage"), [verifier])
    assert caught.value.code == "bad-signature"


def test_key_strings_round_trip() -> None:
    assert parse_signer(SIGNER.skey).verifier == SIGNER.verifier
    raw = base64.b64decode(SIGNER.verifier.vkey.split("+", 2)[2])[1:]
    assert SIGNER.verifier.key_id == key_id(ORIGIN, raw)
    assert SIGNER.verifier.vkey.startswith(f"{ORIGIN}+{SIGNER.verifier.key_id.hex()}+A")


def test_checkpoint_round_trip_and_format() -> None:
    checkpoint, note = signed(5, ("timestamp 1700000000",))
    body, _, signature = note.partition("\n\n")
    assert body.split("\n")[:2] == [ORIGIN, "5"]
    assert signature.startswith(f"\u2014 {ORIGIN} ")
    assert open_checkpoint(note, [VERIFIER], ORIGIN) == checkpoint
    empty, empty_note = signed(0)
    assert open_checkpoint(empty_note, [VERIFIER], ORIGIN) == empty


def test_unknown_signatures_are_ignored_known_bad_ones_reject() -> None:
    checkpoint, note = signed()
    witness = generate_signer("witness.example/w1")
    cosigned = note + witness.signature_line(checkpoint.body())
    assert open_checkpoint(cosigned, [VERIFIER], ORIGIN) == checkpoint
    with pytest.raises(NoteError) as caught:
        open_checkpoint(note, [parse_verifier(witness.verifier.vkey)], ORIGIN)
    assert caught.value.code == "unverified"


def _tamper(note: str, old: str, new: str) -> str:
    assert old in note
    return note.replace(old, new, 1)


def resigned(body: str, old: str, new: str) -> str:
    return sign_note(_tamper(body, old, new), [SIGNER])


def _cases() -> list[tuple[str, str, str]]:
    checkpoint, note = signed()
    body = checkpoint.body()
    sig_b64 = note.rsplit(" ", 1)[1].rstrip("\n")
    other = generate_signer(ORIGIN)  # same name, another key: ID differs, so not trusted
    forged = sign_checkpoint(checkpoint, [other])
    impostor_id = base64.b64encode(
        SIGNER.verifier.key_id + base64.b64decode(forged.rsplit(" ", 1)[1])[4:]
    ).decode()
    return [
        ("tampered size", _tamper(note, "\n5\n", "\n6\n"), "bad-signature"),
        ("tampered origin", _tamper(note, ORIGIN, ORIGIN + "x"), "bad-signature"),
        ("wrong key", forged, "unverified"),
        ("wrong key, our key ID", _tamper(note, sig_b64, impostor_id), "bad-signature"),
        ("truncated signature", _tamper(note, sig_b64, sig_b64[:-8]), "bad-signature"),
        ("signature not base64", _tamper(note, sig_b64, sig_b64[:-1]), "bad-base64"),
        ("two spaces before signature", _tamper(note, f"{ORIGIN} ", f"{ORIGIN}  "), "bad-base64"),
        ("tampered with space", _tamper(note, "\n5\n", "\n5 \n"), "bad-signature"),
        # Signed by our key, yet not a checkpoint: the body is as strict as the signature.
        ("signed, space after size", resigned(body, "\n5\n", "\n5 \n"), "bad-tree-size"),
        ("signed, zero-padded size", resigned(body, "\n5\n", "\n05\n"), "bad-tree-size"),
        ("signed, space after origin", resigned(body, ORIGIN, ORIGIN + " "), "wrong-origin"),
        ("carriage return", _tamper(note, "\n5\n", "\n5\r\n"), "control-character"),
        ("no blank line", note.replace("\n\n", "\n"), "malformed-note"),
        ("no final newline", note[:-1], "malformed-note"),
        ("no signatures", body + "\n", "malformed-note"),
        ("hyphen for em dash", _tamper(note, "\u2014 ", "- "), "malformed-signature"),
        ("empty extension", sign_note(body + "\n", [SIGNER]), "malformed-checkpoint"),
        ("short root", sign_note(f"{ORIGIN}\n5\nAAAA\n", [SIGNER]), "bad-root-hash"),
        ("two lines", sign_note(f"{ORIGIN}\n5\n", [SIGNER]), "malformed-checkpoint"),
    ]


@pytest.mark.parametrize(("name", "note", "code"), _cases(), ids=[c[0] for c in _cases()])
def test_tampering_is_refused_with_a_reason(name: str, note: str, code: str) -> None:
    with pytest.raises(NoteError) as caught:
        open_checkpoint(note, [VERIFIER], ORIGIN)
    assert caught.value.code == code, caught.value.message


def test_origin_must_be_the_expected_log() -> None:
    _, note = signed()
    with pytest.raises(NoteError) as caught:
        open_checkpoint(note, [VERIFIER], "another.example/log")
    assert caught.value.code == "wrong-origin"


def test_parse_body_refusals() -> None:
    good = Checkpoint(ORIGIN, 1, bytes(32)).body()
    assert parse_body(good).size == 1
    for text, code in [
        (good.replace(ORIGIN, ""), "malformed-checkpoint"),
        (good + "\n", "malformed-checkpoint"),
        (good.replace("\n1\n", "\n-1\n"), "bad-tree-size"),
        (good.replace("\n1\n", "\n\u0661\n"), "bad-tree-size"),  # Arabic-Indic one
        (good[:-1], "malformed-checkpoint"),
    ]:
        with pytest.raises(NoteError) as caught:
            parse_body(text)
        assert caught.value.code == code
    with pytest.raises(NoteError):
        sign_checkpoint(Checkpoint("a\nb", 1, bytes(32)), [SIGNER])


def test_key_refusals() -> None:
    vkey = SIGNER.verifier.vkey
    name, hex_id, material = vkey.split("+", 2)
    for bad in [
        f"{name}+{hex_id}",
        f"{name}+{hex_id.upper()}+{material}",
        f"{name}+00000000+{material}",
        f"other.example+{hex_id}+{material}",
        f"{name}+{hex_id}+{material[:-4]}",
        f"bad name+{hex_id}+{material}",
    ]:
        with pytest.raises(NoteError) as caught:
            parse_verifier(bad)
        assert caught.value.code in ("bad-key", "bad-key-name", "bad-base64")


@given(st.text())
def test_any_text_opens_or_is_refused_with_a_reason(text: str) -> None:
    _, note = signed()
    candidates = {text, note + text, text + note, note[: len(text) % len(note)]} - {note}
    for candidate in candidates:
        with pytest.raises(NoteError):
            open_checkpoint(candidate, [VERIFIER], ORIGIN)
