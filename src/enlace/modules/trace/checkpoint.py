"""C2SP checkpoints: a log's signed tree head as a signed note (pure).

    <origin>
    <tree size, decimal, no leading zeros>
    <base64 root hash>
    [<extension line>...]

Parsing is strict: every byte that is not exactly in this form is refused, because an auditor
compares checkpoints byte for byte and a lenient reader would accept two spellings of one head.

Spec: https://c2sp.org/tlog-checkpoint
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

from enlace.modules.trace.errors import NoteError
from enlace.modules.trace.merkle import HASH_SIZE
from enlace.modules.trace.note import Signer, Verifier, b64decode_strict, open_note, sign_note

_SIZE = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"


def parse_body(text: str) -> Checkpoint:
    if not text.endswith("\n"):
        raise NoteError("malformed-checkpoint", "a checkpoint's text ends with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("malformed-checkpoint", "a checkpoint has origin, size and root hash lines")
    origin, size, root, *extensions = lines
    if not origin:
        raise NoteError("malformed-checkpoint", "line 1: the origin is empty")
    if not _SIZE.fullmatch(size):
        raise NoteError("bad-tree-size", f"line 2: {size[:30]!r} is not a tree size")
    root_hash = b64decode_strict(root, "line 3 (root hash)")
    if len(root_hash) != HASH_SIZE:
        raise NoteError(
            "bad-root-hash", f"line 3: the root hash has {len(root_hash)} bytes, not 32"
        )
    for number, line in enumerate(extensions, start=4):
        if not line:
            raise NoteError("malformed-checkpoint", f"line {number}: extension lines are not empty")
    return Checkpoint(origin, int(size), root_hash, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signers: Sequence[Signer]) -> str:
    body = checkpoint.body()
    if parse_body(body) != checkpoint:  # e.g. an origin or extension with a newline in it
        raise NoteError("malformed-checkpoint", "this checkpoint cannot be written unambiguously")
    return sign_note(body, signers)


def open_checkpoint(message: str, verifiers: Sequence[Verifier], origin: str) -> Checkpoint:
    """The checkpoint of log `origin` if a trusted key signed it, else NoteError with the reason."""
    checkpoint = parse_body(open_note(message, verifiers))
    if checkpoint.origin != origin:
        raise NoteError(
            "wrong-origin", f"the checkpoint is from {checkpoint.origin!r}, not {origin!r}"
        )
    return checkpoint
