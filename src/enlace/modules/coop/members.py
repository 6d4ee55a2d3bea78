"""Membership: application, the council's admission or refusal, suspension, withdrawal.

Every status change is a history row (when, why, who decided), so who was an active member at
any past moment — the voter roll of an assembly — is read from history, not the current row.
Household income and size give the member's fee tier through finance's sliding scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select

from enlace.kernel import errors
from enlace.modules.coop.classes import DEFAULT_CLASSES, MemberClass
from enlace.modules.coop.tables import member_history, members, obligations

AREAS = ("urban", "rural")
# Which status a change may start from; anything else is a 409.
TRANSITIONS = {
    "active": ("applied", "suspended"),  # admit, or lift a suspension
    "refused": ("applied",),
    "suspended": ("active",),
    "withdrawn": ("active", "suspended"),
}


@dataclass(frozen=True, slots=True)
class Application:
    id: str
    name: str
    member_class: str
    household_income: int | None  # centavos a month
    household_size: int | None
    area: str = "urban"
    patient: str | None = None
    practitioner: str | None = None
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    name: str
    member_class: str
    status: str
    household_income: int
    household_size: int
    area: str
    patient: str | None
    practitioner: str | None
    user_id: str | None
    applied_at: datetime


def utc(at: datetime) -> datetime:
    """Stored naive in UTC so SQLite and PostgreSQL compare the same way."""
    if at.tzinfo is None:
        return at
    return at.astimezone(UTC).replace(tzinfo=None)


def application_problems(
    app: Application, classes: dict[str, MemberClass] = DEFAULT_CLASSES
) -> list[errors.Issue]:
    found = []
    if not app.id.strip():
        found.append(errors.Issue("required", "member id is required", "id"))
    if not app.name.strip():
        found.append(errors.Issue("required", "name is required", "name"))
    if app.member_class not in classes:
        known = ", ".join(classes)
        found.append(errors.Issue("invalid", f"unknown class; known: {known}", "member_class"))
    if app.household_income is None:
        found.append(errors.Issue("required", "household income is required", "household_income"))
    elif app.household_income < 0:
        found.append(errors.Issue("value", "household income is negative", "household_income"))
    if app.household_size is None:
        found.append(errors.Issue("required", "household size is required", "household_size"))
    elif app.household_size < 1:
        found.append(errors.Issue("value", "household size must be at least 1", "household_size"))
    if app.area not in AREAS:
        found.append(errors.Issue("invalid", "area must be urban or rural", "area"))
    return found


def apply(conn: Connection, app: Application, at: datetime) -> Member:
    """Record an application; 400 naming every bad field, 409 if the id is already on file."""
    found = application_problems(app)
    if found:
        raise errors.FhirError(400, found)
    existing = conn.execute(select(members.c.status).where(members.c.id == app.id)).scalar()
    if existing is not None:
        raise errors.error(409, "conflict", f"{app.id} is already on file ({existing})", "id")
    if app.user_id and _by_user(conn, app.user_id) is not None:
        raise errors.error(
            409, "conflict", f"user {app.user_id} already has a membership", "user_id"
        )
    conn.execute(
        members.insert().values(
            id=app.id,
            name=app.name.strip(),
            member_class=app.member_class,
            status="applied",
            household_income=app.household_income,
            household_size=app.household_size,
            area=app.area,
            patient=app.patient,
            practitioner=app.practitioner,
            user_id=app.user_id,
            applied_at=utc(at),
        )
    )
    _history(conn, app.id, "applied", at, "application received", app.user_id or "self")
    return get_member(conn, app.id)


def change_status(
    conn: Connection, member_id: str, status: str, at: datetime, reason: str, decided_by: str
) -> Member:
    """admit (active), refuse, suspend, withdraw; 404 unknown, 409 from the wrong status."""
    member = get_member(conn, member_id)
    allowed = TRANSITIONS[status]
    if member.status not in allowed:
        text = f"{member_id} is {member.status}; cannot become {status}"
        raise errors.error(409, "conflict", text, "status")
    if status == "withdrawn":
        owed = unpaid_obligations(conn, member_id)
        if owed:
            text = f"{member_id} owes {owed} centavos; settle obligations before withdrawing"
            raise errors.error(409, "business-rule", text, "obligations")
    conn.execute(members.update().where(members.c.id == member_id).values(status=status))
    _history(conn, member_id, status, at, reason, decided_by)
    return get_member(conn, member_id)


def admit(conn: Connection, member_id: str, at: datetime, by: str, reason: str = "") -> Member:
    member = get_member(conn, member_id)
    if member.status == "active":
        raise errors.error(409, "conflict", f"{member_id} is already a member", "status")
    return change_status(conn, member_id, "active", at, reason or "admitted by the council", by)


def add_obligation(conn: Connection, member_id: str, description: str, amount: int) -> None:
    get_member(conn, member_id)
    if amount <= 0:
        raise errors.error(400, "value", "an obligation is a positive amount", "amount")
    conn.execute(
        obligations.insert().values(
            member_id=member_id, description=description, amount=amount, paid=0
        )
    )


def settle_obligations(conn: Connection, member_id: str) -> int:
    owed = unpaid_obligations(conn, member_id)
    conn.execute(obligations.update().where(obligations.c.member_id == member_id).values(paid=1))
    return owed


def unpaid_obligations(conn: Connection, member_id: str) -> int:
    query = select(func.coalesce(func.sum(obligations.c.amount), 0)).where(
        obligations.c.member_id == member_id, obligations.c.paid == 0
    )
    return int(conn.execute(query).scalar_one())


def get_member(conn: Connection, member_id: str) -> Member:
    row = conn.execute(select(members).where(members.c.id == member_id)).first()
    if row is None:
        raise errors.error(404, "not-found", f"no member {member_id}", "id")
    return _member(row)


def member_for_user(conn: Connection, user_id: str) -> Member | None:
    return _by_user(conn, user_id)


def list_members(conn: Connection, status: str | None = None) -> list[Member]:
    query = select(members).order_by(members.c.id)
    if status:
        query = query.where(members.c.status == status)
    return [_member(r) for r in conn.execute(query)]


def history(conn: Connection, member_id: str) -> list[tuple[str, datetime, str, str]]:
    query = (
        select(member_history)
        .where(member_history.c.member_id == member_id)
        .order_by(member_history.c.at, member_history.c.id)
    )
    return [(r.status, r.at, r.reason, r.decided_by) for r in conn.execute(query)]


def eligible_members(conn: Connection, at: datetime) -> list[tuple[str, str]]:
    """(member id, class) of every member active at `at`, by id: the roll of a vote.

    A member counts if the last status change at or before `at` made them active, so a later
    admission, suspension or withdrawal does not change who could vote then.
    """
    when = utc(at)
    # Latest change per member by time, then insertion order: a backdated row still counts.
    rank = (
        func.row_number()
        .over(
            partition_by=member_history.c.member_id,
            order_by=(member_history.c.at.desc(), member_history.c.id.desc()),
        )
        .label("rank")
    )
    latest = (
        select(member_history.c.member_id, member_history.c.status, rank)
        .where(member_history.c.at <= when)
        .subquery()
    )
    query = (
        select(members.c.id, members.c.member_class)
        .join(latest, latest.c.member_id == members.c.id)
        .where(latest.c.rank == 1, latest.c.status == "active")
        .order_by(members.c.id)
    )
    return [(r.id, r.member_class) for r in conn.execute(query)]


def _history(
    conn: Connection, member_id: str, status: str, at: datetime, reason: str, by: str
) -> None:
    conn.execute(
        member_history.insert().values(
            member_id=member_id, status=status, at=utc(at), reason=reason, decided_by=by
        )
    )


def _by_user(conn: Connection, user_id: str) -> Member | None:
    row = conn.execute(select(members).where(members.c.user_id == user_id)).first()
    return _member(row) if row is not None else None


def _member(row: object) -> Member:
    return Member(*(getattr(row, c.name) for c in members.c))
