"""A parser for the FHIRPath used by search parameter expressions, into a small AST.

It reads the whole FHIRPath grammar's shape (operators by precedence, invocations, indexers, literals,
`%variables`) so that `expressions` can decide what it compiles and name what it does not; it does
not evaluate anything. Precedence, tightest first, as in the FHIRPath grammar: invocation and
indexer, unary sign, `* / div mod`, `+ - &`, `is as`, `|`, `< > <= >=`, `= ~ != !~`, `in contains`,
`and`, `or xor`, `implies`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Name:
    """An identifier with no target: a type name at the start of a path, or a member of the focus."""

    name: str


@dataclass(frozen=True, slots=True)
class Member:
    target: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Invoke:
    """A function call: `target.name(args)`, or `name(args)` on the focus when target is None."""

    target: Expr | None
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Index:
    target: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Literal:
    value: str | int | float | bool | None  # None is the empty collection `{}`


@dataclass(frozen=True, slots=True)
class Variable:
    name: str  # without the %: "resource", "context", "ucum"


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class TypeOp:
    op: str  # "is" or "as"
    operand: Expr
    type_name: str  # namespace stripped: "FHIR.Quantity" -> "Quantity"


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    operand: Expr


Expr = Name | Member | Invoke | Index | Literal | Variable | Binary | TypeOp | Unary


class ParseError(ValueError):
    pass


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^'\\]|\\.)*')
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*|`[^`]*`|\$this)
    | (?P<variable>%(?:[A-Za-z_][A-Za-z0-9_]*|`[^`]*`|'[^']*'))
    | (?P<op><=|>=|!=|!~|[.()\[\],|=~<>+\-*/&{}])
    )""",
    re.VERBOSE,
)
_ESCAPES = {
    "'": "'",
    '"': '"',
    "`": "`",
    "\\": "\\",
    "/": "/",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}

# Binary operator levels, loosest first; `is`/`as` and `|` are handled between them (see _binary).
_LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"implies"}),
    frozenset({"or", "xor"}),
    frozenset({"and"}),
    frozenset({"in", "contains"}),
    frozenset({"=", "~", "!=", "!~"}),
    frozenset({"<", ">", "<=", ">="}),
    frozenset({"|"}),
    frozenset({"is", "as"}),
    frozenset({"+", "-", "&"}),
    frozenset({"*", "/", "div", "mod"}),
)
_TYPE_LEVEL = 7


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ParseError(
                f"unexpected character at {position}: {text[position : position + 10]!r}"
            )
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.position = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise ParseError(
                f"expected {value or 'a token'}, found {token[1] if token else 'the end'}"
            )
        self.position += 1
        return token

    def at_operator(self, ops: frozenset[str]) -> str | None:
        token = self.peek()
        if token is not None and token[0] in ("op", "ident") and token[1] in ops:
            return token[1]
        return None

    def parse(self) -> Expr:
        expr = self.binary(0)
        extra = self.peek()
        if extra is not None:
            raise ParseError(f"unexpected {extra[1]!r}")
        return expr

    def binary(self, level: int) -> Expr:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while (op := self.at_operator(_LEVELS[level])) is not None:
            self.take()
            if level == _TYPE_LEVEL:
                left = TypeOp(op, left, self.type_specifier())
            else:
                left = Binary(op, left, self.binary(level + 1))
        return left

    def type_specifier(self) -> str:
        name = self.identifier()
        while self.peek() == ("op", "."):
            self.take()
            name = self.identifier()
        return name

    def identifier(self) -> str:
        kind, value = self.take()
        if kind != "ident":
            raise ParseError(f"expected an identifier, found {value!r}")
        return value.strip("`")

    def unary(self) -> Expr:
        if (op := self.at_operator(frozenset({"+", "-"}))) is not None:
            self.take()
            return Unary(op, self.unary())
        return self.postfix(self.term())

    def postfix(self, expr: Expr) -> Expr:
        while True:
            token = self.peek()
            if token == ("op", "."):
                self.take()
                expr = self.invocation(expr)
            elif token == ("op", "["):
                self.take()
                index = self.binary(0)
                self.take("]")
                expr = Index(expr, index)
            else:
                return expr

    def invocation(self, target: Expr | None) -> Expr:
        name = self.identifier()
        if self.peek() != ("op", "("):
            return Name(name) if target is None else Member(target, name)
        self.take("(")
        args: list[Expr] = []
        if self.peek() != ("op", ")"):
            args.append(self.binary(0))
            while self.peek() == ("op", ","):
                self.take()
                args.append(self.binary(0))
        self.take(")")
        return Invoke(target, name, tuple(args))

    def term(self) -> Expr:
        token = self.peek()
        if token is None:
            raise ParseError("unexpected end of expression")
        kind, value = token
        if value == "(" and kind == "op":
            self.take()
            inner = self.binary(0)
            self.take(")")
            return inner
        if value == "{" and kind == "op":
            self.take()
            self.take("}")
            return Literal(None)
        if kind == "string":
            self.take()
            return Literal(_unquote(value))
        if kind == "number":
            self.take()
            return Literal(float(value) if "." in value else int(value))
        if kind == "variable":
            self.take()
            return Variable(value[1:].strip("`'"))
        if kind == "ident":
            if value in ("true", "false"):
                self.take()
                return Literal(value == "true")
            return self.invocation(None)
        raise ParseError(f"unexpected {value!r}")


def parse(text: str) -> Expr:
    """The AST of a FHIRPath expression; raises ParseError."""
    return _Parser(text).parse()
