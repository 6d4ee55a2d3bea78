"""Reporting deadlines for individual case safety reports, and the overdue list.

Rules, counted in calendar days from the day the report was received (day 0):
- serious and unexpected: 15 days (ICH E2D, REFERENCE §9) - verified.
- serious and expected: 15 days, NOM-220-SSA1-2016 as we read it - CHECK against the NOM text.
- not serious: 30 days, NOM-220-SSA1-2016 as we read it - CHECK against the NOM text.
A patient's report does not say whether the reaction is listed in the label, so it counts as
unexpected until a clinician says otherwise (the shorter clock is the safe one).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from enlace.modules.vigilance.tables import cases

DAY_US = 86_400_000_000


@dataclass(frozen=True, slots=True)
class Rule:
    key: str
    days: int
    source: str
    verified: bool


SERIOUS_UNEXPECTED = Rule("serious-unexpected", 15, "ICH E2D", True)
SERIOUS_EXPECTED = Rule("serious-expected", 15, "NOM-220-SSA1-2016 (check)", False)
NOT_SERIOUS = Rule("not-serious", 30, "NOM-220-SSA1-2016 (check)", False)
RULES = {r.key: r for r in (SERIOUS_UNEXPECTED, SERIOUS_EXPECTED, NOT_SERIOUS)}


def rule_for(serious: bool, unexpected: bool) -> Rule:
    if serious:
        return SERIOUS_UNEXPECTED if unexpected else SERIOUS_EXPECTED
    return NOT_SERIOUS


def due_us(received_us: int, rule: Rule) -> int:
    """The last instant the report may be sent: received + `days` calendar days."""
    return received_us + rule.days * DAY_US


@dataclass(frozen=True, slots=True)
class Overdue:
    case_id: str
    drug: str
    event: str
    rule: str
    due_us: int
    days_late: int


def overdue(conn: Connection, now_us: int) -> list[Overdue]:
    """Cases not yet submitted whose deadline has passed, the most overdue first."""
    c = cases.c
    query = (
        select(c.id, c.drug, c.event_display, c.rule, c.due_us)
        .where(c.submitted_us.is_(None), c.due_us < now_us)
        .order_by(c.due_us, c.id)
    )
    return [
        Overdue(
            row.id,
            row.drug,
            row.event_display,
            row.rule,
            row.due_us,
            (now_us - row.due_us) // DAY_US,
        )
        for row in conn.execute(query)
    ]
