"""Quorum: a decision counts only if enough of the roll voted; otherwise it is void, shown so."""

from __future__ import annotations

import math


def quorum_met(turnout: int, roll_size: int, quorum: float) -> bool:
    """`quorum` is a share of the roll (0.5 = half); the needed count rounds up."""
    return roll_size > 0 and turnout >= math.ceil(quorum * roll_size - 1e-9)


def needed(roll_size: int, quorum: float) -> int:
    return math.ceil(quorum * roll_size - 1e-9)
