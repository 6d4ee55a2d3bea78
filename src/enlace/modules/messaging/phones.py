"""Phone numbers in E.164, as gateways and people write Mexican numbers (pure).

Mexico's numbering plan (IFT, since August 2019): every number is 10 digits nationally, +52 in
E.164. People and older gateways still write the retired prefixes: 044/045 (mobile, local and
long distance), 01 (long distance), and +52 1 (the old mobile marker in international form).
All of them mean the same subscriber, so all normalise to +52 followed by the 10 digits.
A number of another country keeps its own country code (+1 ...).
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s().\-/]")
MX = "52"


def e164(raw: str) -> str | None:
    """`raw` as +<country><number>, or None when it cannot be a phone number."""
    text = _SEPARATORS.sub("", raw.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    international = text.startswith("+")
    digits = text.removeprefix("+")
    if not digits.isdigit():
        return None
    if international or (len(digits) > 10 and digits.startswith(MX)):
        return _international(digits)
    for old_prefix in ("044", "045", "01"):
        if len(digits) == 10 + len(old_prefix) and digits.startswith(old_prefix):
            digits = digits[len(old_prefix) :]
    return f"+{MX}{digits}" if len(digits) == 10 else None


def _international(digits: str) -> str | None:
    if digits.startswith(MX):
        national = digits[len(MX) :]
        if len(national) == 11 and national.startswith("1"):  # +52 1: the retired mobile marker
            national = national[1:]
        return f"+{MX}{national}" if len(national) == 10 else None
    return f"+{digits}" if 8 <= len(digits) <= 15 else None


def variants(number: str) -> list[str]:
    """The spellings a stored address may have for the E.164 `number` (addresses recorded
    before normalisation existed): what matching looks up."""
    found = [number]
    if number.startswith("+" + MX) and len(number) == 13:
        national = number[3:]
        found += [number[1:], national, f"+{MX}1{national}", f"{MX}1{national}"]
    return found
