"""A small cooperative for the demo network: the demo logins as members (so `paciente`,
`medico`... see their membership page and can vote), a few more members of each class, one
pending application for the council, capital, and the last year's patronage. Idempotent: a
member already on file is left as is.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.modules.coop.capital import capital_balance, contribute
from enlace.modules.coop.members import Application, admit, apply, get_member
from enlace.modules.coop.surplus import record_patronage
from enlace.modules.finance import Ledger

# (user account of the demo, class, household centavos a month, household size)
DEMO_LOGINS = (
    ("paciente", "patient", 700_000, 3),
    ("cuidador", "patient", 1_100_000, 4),
    ("medico", "physician", 6_000_000, 3),
    ("enfermeria", "worker", 1_800_000, 2),
    ("promotor", "worker", 900_000, 3),
    ("farmacia", "worker", 1_500_000, 2),
)
CLASSES = ("patient", "patient", "patient", "physician", "worker")
CAPITAL = 50_000  # $500.00 certificate each


def seed(
    conn: Connection, ledger: Ledger, at: datetime, extra: int = 24, joined: datetime | None = None
) -> int:
    """Create the demo cooperative; returns how many members it added. `joined` (default `at`)
    dates their application and admission: before last year's end, they share its surplus."""
    since = joined or at
    people: list[tuple[str, str | None, str, str, int, int]] = [
        (f"socio-{u}", u, u.title(), c, i, s) for u, c, i, s in DEMO_LOGINS
    ]
    for n in range(extra):
        income = 400_000 + 97_000 * n
        people.append((f"socio-{n:03d}", None, f"Socio {n:03d}", CLASSES[n % 5], income, 1 + n % 5))
    added = 0
    for ident, user, name, cls, income, size in people:
        if _exists(conn, ident):
            continue
        apply(conn, Application(ident, name, cls, income, size, user_id=user), since)
        admit(conn, ident, since, "consejo (demo)")
        record_patronage(conn, ident, at.year - 1, 1 + len(ident) % 7)
        if capital_balance(conn, ledger, ident) == 0:
            contribute(conn, ledger, ident, CAPITAL)
        added += 1
    if not _exists(conn, "socio-solicitante"):
        apply(conn, Application("socio-solicitante", "Solicitante", "patient", 500_000, 2), at)
    return added


def _exists(conn: Connection, ident: str) -> bool:
    try:
        get_member(conn, ident)
    except errors.FhirError:  # 404: not on file yet
        return False
    return True
