"""Why a code, proof, tile or checkpoint was refused: a stable machine code and a human message."""

from __future__ import annotations


class TraceError(ValueError):
    """A refusal with a `code` (stable, for clients and alerts) and a message naming where it failed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class Gs1Error(TraceError):
    """A GS1 element string, DataMatrix content or Digital Link that is malformed."""


class ProofError(TraceError):
    """A Merkle inclusion or consistency proof that does not verify, or cannot be built."""


class TileError(TraceError):
    """A tile or entry-bundle path, width or content that breaks C2SP tlog-tiles."""


class NoteError(TraceError):
    """A signed note or checkpoint that is malformed or whose signatures do not verify."""
