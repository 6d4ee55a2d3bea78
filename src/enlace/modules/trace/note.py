"""C2SP signed notes with Ed25519: sign, open strictly, and the key string formats.

    <text, ending in a newline>
    <blank line>
    — <key name> base64(key ID || signature)      (one line per signature)

key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4]; a verifier key is written
`<name>+<hex key ID>+<base64(0x01 || public key)>`, a signer key (the secret kept in settings)
`PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>`, as the Go reference (sumdb/note) does.

Spec: https://c2sp.org/signed-note
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from enlace.modules.trace.errors import NoteError

ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 100  # the spec asks verifiers to accept at least 16
_SIGNATURE_SIZE = 4 + 64


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


def check_key_name(name: str) -> str:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError("bad-key-name", f"key name {name!r} is empty or has a space or '+'")
    return name


def b64decode_strict(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise NoteError("bad-base64", f"{what} is not standard padded base64") from None


@dataclass(frozen=True, slots=True)
class Verifier:
    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    @property
    def vkey(self) -> str:
        raw = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        encoded = base64.b64encode(bytes([ED25519]) + raw).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    def verifies(self, text: bytes, signature: bytes) -> bool:
        try:
            self.public_key.verify(signature, text)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, slots=True)
class Signer:
    name: str
    private_key: Ed25519PrivateKey

    @property
    def verifier(self) -> Verifier:
        public = self.private_key.public_key()
        raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier(self.name, key_id(self.name, raw), public)

    @property
    def skey(self) -> str:
        seed = self.private_key.private_bytes_raw()
        encoded = base64.b64encode(bytes([ED25519]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{encoded}"

    def signature_line(self, text: str) -> str:
        signature = self.private_key.sign(text.encode())
        encoded = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{SIGNATURE_PREFIX}{self.name} {encoded}\n"


def generate_signer(name: str) -> Signer:
    return Signer(check_key_name(name), Ed25519PrivateKey.generate())


def _split_key(text: str, parts: int, what: str) -> list[str]:
    fields = text.split("+", parts - 1)  # the base64 key, last, may itself hold '+'
    if len(fields) != parts:
        raise NoteError("bad-key", f"a {what} has {parts} '+'-separated fields")
    return fields


def _key_material(name: str, hex_id: str, encoded: str, what: str) -> tuple[bytes, bytes]:
    check_key_name(name)
    material = b64decode_strict(encoded, f"the {what}'s key")
    if len(material) != 33 or material[0] != ED25519:
        raise NoteError("bad-key", f"the {what} is not an Ed25519 key (type 0x01, 32 bytes)")
    if len(hex_id) != 8 or hex_id != hex_id.lower():
        raise NoteError("bad-key", f"the {what}'s key ID is not 8 lowercase hex digits")
    return bytes.fromhex(hex_id), material[1:]


def parse_verifier(vkey: str) -> Verifier:
    name, hex_id, encoded = _split_key(vkey, 3, "verifier key")
    claimed, raw = _key_material(name, hex_id, encoded, "verifier key")
    if claimed != key_id(name, raw):
        raise NoteError("bad-key", "the verifier key's ID does not match its name and key")
    return Verifier(name, claimed, Ed25519PublicKey.from_public_bytes(raw))


def parse_signer(skey: str) -> Signer:
    fields = _split_key(skey, 5, "signer key")
    if fields[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("bad-key", "a signer key starts with PRIVATE+KEY+")
    claimed, seed = _key_material(fields[2], fields[3], fields[4], "signer key")
    signer = Signer(fields[2], Ed25519PrivateKey.from_private_bytes(seed))
    if signer.verifier.key_id != claimed:
        raise NoteError("bad-key", "the signer key's ID does not match its name and key")
    return signer


def sign_note(text: str, signers: Sequence[Signer]) -> str:
    _check_characters(text)
    if not text.endswith("\n"):
        raise NoteError("malformed-note", "a note's text ends with a newline")
    return text + "\n" + "".join(signer.signature_line(text) for signer in signers)


def _check_characters(message: str) -> None:
    for position, char in enumerate(message):
        if char < " " and char != "\n":
            raise NoteError("control-character", f"character {position} is a control character")


@dataclass(frozen=True, slots=True)
class SignatureLine:
    name: str
    key_id: bytes
    signature: bytes


def _signature_line(line: str, number: int) -> SignatureLine:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError("malformed-signature", f"signature line {number} does not start with '— '")
    name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    check_key_name(name)
    raw = b64decode_strict(encoded, f"signature line {number}")
    if len(raw) < 5:
        raise NoteError("malformed-signature", f"signature line {number} is too short")
    return SignatureLine(name, raw[:4], raw[4:])


def split_note(message: str) -> tuple[str, list[SignatureLine]]:
    """The text and its signature lines, refusing anything not exactly in signed-note form."""
    _check_characters(message)
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed-note", "no blank line between the text and the signatures")
    text, block = message[: split + 1], message[split + 2 :]
    if not block or not block.endswith("\n"):
        raise NoteError("malformed-note", "the signatures are missing or not newline-terminated")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("too-many-signatures", f"more than {MAX_SIGNATURES} signatures")
    return text, [_signature_line(line, n + 1) for n, line in enumerate(lines)]


def open_note(message: str, verifiers: Sequence[Verifier]) -> str:
    """The note's text once a known key's signature verifies; unknown keys' lines are ignored.

    A signature by a known key (same name and key ID) that fails rejects the whole note.
    """
    text, lines = split_note(message)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified = False
    for number, line in enumerate(lines, start=1):
        verifier = known.get((line.name, line.key_id))
        if verifier is None:
            continue
        if len(line.signature) != _SIGNATURE_SIZE - 4 or not verifier.verifies(
            text.encode(), line.signature
        ):
            raise NoteError("bad-signature", f"signature line {number} by {line.name} fails")
        verified = True
    if not verified:
        raise NoteError("unverified", "no signature by a trusted key")
    return text
