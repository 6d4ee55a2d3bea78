"""A time budget for each statement of the read engine, so that a costly search answers 503
instead of holding a worker thread and a connection for minutes.

- PostgreSQL: `statement_timeout` set once per connection, as a startup option. The read engine
  runs in AUTOCOMMIT, so `SET LOCAL` (which lasts one transaction) would not outlive its own
  statement, and a `SET` before every search would cost a round trip; the option costs nothing.
- SQLite has no statement timeout: a progress handler, called every 1,000 virtual-machine
  steps, interrupts the statement once its deadline has passed. The deadline is set when
  SQLAlchemy executes a statement, and cleared when the connection rolls back or returns to the
  pool. Statements run on the driver connection directly (store/sql.py: by-id reads, a few
  hundred steps) either come later in a search's checkout and share its deadline, or have none.

Either way the interrupted statement becomes a FhirError 503 `too-costly` (a `handle_error`
hook), which the FHIR adapter renders as an OperationOutcome like any other refusal. Only the read
engine is budgeted: writes keep their own lock timeouts, and a budget there could abort a commit.
"""

from __future__ import annotations

import sqlite3
import time
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import ExceptionContext

from enlace.kernel import errors

PROGRESS_STEPS = 1000  # SQLite VM steps between two looks at the clock (~20-50 µs of work)
QUERY_CANCELED = "57014"  # PostgreSQL SQLSTATE for statement_timeout (and pg_cancel_backend)
_INFO_KEY = "enlace_read_budget"
_NO_DEADLINE = float("inf")


@dataclass
class _Budget:
    seconds: float


@dataclass
class _Deadline:
    """Per SQLite connection: when the running statement must stop."""

    budget: _Budget
    at: float = _NO_DEADLINE

    def expired(self) -> bool:  # the progress handler: True interrupts the statement
        return time.monotonic() > self.at


_installed: weakref.WeakKeyDictionary[Engine, _Budget] = weakref.WeakKeyDictionary()


def install_read_budget(engine: Engine, seconds: float) -> None:
    """Stop any statement of `engine` that runs longer than `seconds` (0 or less: no budget).

    Call it right after creating the engine. Pooled connections are closed so that every
    connection gets the budget; calling it again changes the budget of connections made after."""
    budget = _installed.get(engine)
    if budget is not None:
        budget.seconds = seconds
        engine.dispose()
        return
    budget = _installed[engine] = _Budget(seconds)
    if engine.dialect.name == "postgresql":
        _budget_postgres(engine, budget)
    elif engine.dialect.name == "sqlite":
        _budget_sqlite(engine, budget)
    event.listen(engine, "handle_error", _too_costly_hook(budget))
    engine.dispose()


def too_costly(seconds: float) -> errors.FhirError:
    return errors.error(
        503,
        "too-costly",
        f"The query ran longer than its {seconds:g} s budget and was stopped; narrow it "
        "(more selective parameters, a smaller _count, no _total=accurate) and try again",
    )


def is_timeout(exc: BaseException) -> bool:
    """Whether a driver error is a statement stopped by its budget."""
    if getattr(exc, "sqlstate", None) == QUERY_CANCELED:
        return True
    return isinstance(exc, sqlite3.OperationalError) and str(exc) == "interrupted"


def _budget_postgres(engine: Engine, budget: _Budget) -> None:
    @event.listens_for(engine, "do_connect")
    def add_timeout_option(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
        if budget.seconds <= 0:
            return
        milliseconds = max(1, round(budget.seconds * 1000))  # 0 would mean "no timeout"
        options = f"{params.get('options', '')} -c statement_timeout={milliseconds}"
        params["options"] = options.strip()


def _budget_sqlite(engine: Engine, budget: _Budget) -> None:
    @event.listens_for(engine, "connect")
    def add_progress_handler(dbapi_conn: Any, record: Any) -> None:
        deadline = record.info[_INFO_KEY] = _Deadline(budget)
        dbapi_conn.set_progress_handler(deadline.expired, PROGRESS_STEPS)

    @event.listens_for(engine, "before_cursor_execute")
    def start_clock(conn: Connection, *_args: Any) -> None:
        deadline = conn.info.get(_INFO_KEY)
        if deadline is not None and budget.seconds > 0:
            deadline.at = time.monotonic() + budget.seconds

    @event.listens_for(engine, "rollback")
    def stop_clock_on_rollback(conn: Connection) -> None:
        deadline = conn.info.get(_INFO_KEY)
        if deadline is not None:
            deadline.at = _NO_DEADLINE

    @event.listens_for(engine, "checkin")
    def stop_clock_on_checkin(_dbapi_conn: Any, record: Any) -> None:
        deadline = record.info.get(_INFO_KEY)
        if deadline is not None:
            deadline.at = _NO_DEADLINE


def _too_costly_hook(budget: _Budget) -> Any:
    def on_error(context: ExceptionContext) -> None:
        if is_timeout(context.original_exception):
            raise too_costly(budget.seconds) from context.original_exception

    return on_error
