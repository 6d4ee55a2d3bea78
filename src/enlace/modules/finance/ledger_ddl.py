"""The ledger's invariants as database triggers, for SQLite and PostgreSQL (migration 0008).

The application checks everything first and reports it as a FhirError; these triggers are the
floor under it, so that no code path and no raw SQL can break the books:

- postings and hold lines are immutable: UPDATE and DELETE raise;
- transactions are immutable; a hold may change only once, from pending to a final status;
- a transaction row may be inserted only when its postings, written just before it in the same
  database transaction, number `posting_count`, are all in its currency and sum to zero; a hold
  likewise with its lines;
- once its transaction (or hold) row exists, no posting (line) may be added to it;
- a posting (line) left without its transaction (hold) row fails the commit (deferred foreign key);
- accounts keep their id, kind, normal side and currency, and are never deleted.

Account balances are checked against their floor by a CHECK constraint (tables.py).
"""

from __future__ import annotations

from sqlalchemy import Connection

# (line table, header table, the line's key column naming its header, header's line count)
_LINE_TABLES = (
    ("ledger_postings", "ledger_transactions", "txn_id", "posting_count"),
    ("ledger_hold_lines", "ledger_holds", "hold_id", "line_count"),
)
_IMMUTABLE = ("ledger_postings", "ledger_hold_lines", "ledger_transactions")


def create_ledger_triggers(conn: Connection) -> None:
    statements = _postgres() if conn.dialect.name == "postgresql" else _sqlite()
    for statement in statements:
        conn.exec_driver_sql(statement)


def drop_ledger_triggers(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        for function in ("ledger_refuse_change", "ledger_hold_once", "ledger_account_fixed"):
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}() CASCADE")
        for lines, header, _key, _count in _LINE_TABLES:
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {header}_balanced() CASCADE")
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {lines}_sealed() CASCADE")
        return
    for name in _sqlite_trigger_names():
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def _sqlite() -> list[str]:
    statements = []
    for table in _IMMUTABLE:
        for event in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'ledger: {table} rows are immutable'); END"
            )
    for lines, header, key, count in _LINE_TABLES:
        statements.append(
            f"CREATE TRIGGER {lines}_sealed BEFORE INSERT ON {lines} "
            f"WHEN EXISTS (SELECT 1 FROM {header} WHERE id = NEW.{key}) "
            f"BEGIN SELECT RAISE(ABORT, 'ledger: {header} row is sealed, no line may be added'); "
            "END"
        )
        statements.append(
            f"CREATE TRIGGER {header}_balanced BEFORE INSERT ON {header} "
            f"WHEN (SELECT COALESCE(SUM(amount), 0) <> 0 OR COUNT(*) <> NEW.{count} "
            f"OR SUM(currency <> NEW.currency) > 0 FROM {lines} WHERE {key} = NEW.id) "
            f"BEGIN SELECT RAISE(ABORT, 'ledger: {header} lines do not balance to zero'); END"
        )
    statements += [
        "CREATE TRIGGER ledger_holds_no_delete BEFORE DELETE ON ledger_holds "
        "BEGIN SELECT RAISE(ABORT, 'ledger: ledger_holds rows are immutable'); END",
        "CREATE TRIGGER ledger_holds_once BEFORE UPDATE ON ledger_holds "
        "WHEN OLD.status <> 'pending' OR NEW.id <> OLD.id OR NEW.currency <> OLD.currency "
        "OR NEW.line_count <> OLD.line_count OR NEW.created_us <> OLD.created_us "
        "OR NEW.idempotency_key IS NOT OLD.idempotency_key "
        "OR NEW.expires_us IS NOT OLD.expires_us "
        "BEGIN SELECT RAISE(ABORT, 'ledger: a hold changes only once, from pending'); END",
        "CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE ON ledger_accounts "
        "BEGIN SELECT RAISE(ABORT, 'ledger: accounts are never deleted'); END",
        "CREATE TRIGGER ledger_accounts_fixed BEFORE UPDATE ON ledger_accounts "
        "WHEN NEW.id <> OLD.id OR NEW.kind <> OLD.kind OR NEW.normal <> OLD.normal "
        "OR NEW.currency <> OLD.currency "
        "BEGIN SELECT RAISE(ABORT, 'ledger: an account keeps its id, kind and currency'); END",
    ]
    return statements


def _sqlite_trigger_names() -> list[str]:
    names = [f"{t}_no_{e}" for t in _IMMUTABLE for e in ("update", "delete")]
    for lines, header, _key, _count in _LINE_TABLES:
        names += [f"{lines}_sealed", f"{header}_balanced"]
    return [
        *names,
        "ledger_holds_no_delete",
        "ledger_holds_once",
        "ledger_accounts_no_delete",
        "ledger_accounts_fixed",
    ]


def _plpgsql(name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{body}\nEND $$"
    )


def _raise(message: str) -> str:
    # check_violation, so drivers report it as an IntegrityError like the CHECK constraints.
    return f"RAISE EXCEPTION '{message}' USING ERRCODE = 'check_violation';"


def _postgres() -> list[str]:
    statements = [
        _plpgsql(
            "ledger_refuse_change",
            # No '%' placeholder: the driver would read it as a parameter marker.
            "RAISE EXCEPTION USING MESSAGE = 'ledger: ' || TG_TABLE_NAME || "
            "' rows are immutable', ERRCODE = 'check_violation';",
        )
    ]
    for table in _IMMUTABLE:
        statements.append(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
        )
    for lines, header, key, count in _LINE_TABLES:
        statements += _postgres_balance(lines, header, key, count)
    statements += _postgres_holds_and_accounts()
    return statements


def _postgres_balance(lines: str, header: str, key: str, count: str) -> list[str]:
    # Statement-level triggers over the transition table: one check per batch insert, where a
    # PL/pgSQL call per row cost more than the rows themselves. Each probe is a LATERAL subquery
    # so it runs as an index lookup per new row: as a plain join the planner, blind to the
    # transition table's size, hashed the whole table on every insert (performance.md).
    sealed = (
        f"IF EXISTS (SELECT 1 FROM new_rows n CROSS JOIN LATERAL (SELECT 1 FROM {header} h "
        f"WHERE h.id = n.{key} LIMIT 1) found) THEN\n"
        f"  {_raise(f'ledger: {header} row is sealed, no line may be added')}\n"
        "END IF;\nRETURN NULL;"
    )
    balanced = (
        "IF EXISTS (SELECT 1 FROM new_rows h CROSS JOIN LATERAL (SELECT "
        "COALESCE(SUM(l.amount), 0) AS total, COUNT(*) AS n, "
        "COUNT(*) FILTER (WHERE l.currency <> h.currency) AS foreign_lines "
        f"FROM {lines} l WHERE l.{key} = h.id) agg "
        f"WHERE agg.total <> 0 OR agg.n <> h.{count} OR agg.foreign_lines > 0) THEN\n"
        f"  {_raise(f'ledger: {header} lines do not balance to zero')}\n"
        "END IF;\nRETURN NULL;"
    )
    return [
        _plpgsql(f"{lines}_sealed", sealed),
        f"CREATE TRIGGER {lines}_sealed AFTER INSERT ON {lines} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {lines}_sealed()",
        _plpgsql(f"{header}_balanced", balanced),
        f"CREATE TRIGGER {header}_balanced AFTER INSERT ON {header} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {header}_balanced()",
    ]


def _postgres_holds_and_accounts() -> list[str]:
    hold_once = (
        "IF TG_OP = 'DELETE' OR OLD.status <> 'pending' OR NEW.id <> OLD.id "
        "OR NEW.currency <> OLD.currency OR NEW.line_count <> OLD.line_count "
        "OR NEW.created_us <> OLD.created_us "
        "OR NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key "
        "OR NEW.expires_us IS DISTINCT FROM OLD.expires_us THEN\n"
        f"  {_raise('ledger: a hold changes only once, from pending')}\n"
        "END IF;\nRETURN NEW;"
    )
    account_fixed = (
        "IF TG_OP = 'DELETE' OR NEW.id <> OLD.id OR NEW.kind <> OLD.kind "
        "OR NEW.normal <> OLD.normal OR NEW.currency <> OLD.currency THEN\n"
        f"  {_raise('ledger: an account keeps its id, kind and currency and is never deleted')}\n"
        "END IF;\nRETURN NEW;"
    )
    return [
        _plpgsql("ledger_hold_once", hold_once),
        "CREATE TRIGGER ledger_holds_once BEFORE UPDATE OR DELETE ON ledger_holds "
        "FOR EACH ROW EXECUTE FUNCTION ledger_hold_once()",
        _plpgsql("ledger_account_fixed", account_fixed),
        "CREATE TRIGGER ledger_accounts_fixed BEFORE UPDATE OR DELETE ON ledger_accounts "
        "FOR EACH ROW EXECUTE FUNCTION ledger_account_fixed()",
    ]
