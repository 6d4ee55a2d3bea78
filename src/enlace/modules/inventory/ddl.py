"""The stock ledger's invariants as database triggers, for SQLite and PostgreSQL (migration 0012).

The ledger checks everything first and answers 4xx; these are the floor under it, so that no code
path and no raw SQL can make stock negative or rewrite a stock card:

- events and lines are immutable: UPDATE and DELETE raise; balance rows are never deleted;
- a balance row is born empty (no stock, no line) and may change only by stepping `seq` to the
  next line, keeping its facility, product, lot and expiry;
- a line must agree with its balance row (same seq, balance and expiry: so the balance row
  moved first, under its row lock) and with the line before it (previous balance + quantity =
  balance; the first line starts from zero);
- CHECK constraints (tables.py) keep balances and line balances ≥ 0, and the deferred foreign
  key from a balance row to its last line fails a commit whose balance moved without a line.
"""

from __future__ import annotations

from sqlalchemy import Connection

_IMMUTABLE = ("inventory_events", "inventory_lines")
_SAME_LOT = "b.facility = NEW.facility AND b.product = NEW.product AND b.lot = NEW.lot"
_PREVIOUS = (
    "SELECT p.balance FROM inventory_lines p WHERE p.facility = NEW.facility "
    "AND p.product = NEW.product AND p.lot = NEW.lot AND p.seq = NEW.seq - 1"
)


def create_inventory_triggers(conn: Connection) -> None:
    statements = _postgres() if conn.dialect.name == "postgresql" else _sqlite()
    for statement in statements:
        conn.exec_driver_sql(statement)


def drop_inventory_triggers(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        for function in _PG_FUNCTIONS:
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {function}() CASCADE")
        return
    for name in _SQLITE_TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def _line_disagrees() -> str:
    """SQL true when NEW (a line) does not continue its card and match its balance row."""
    matching = (
        f"SELECT 1 FROM inventory_balances b WHERE {_SAME_LOT} "
        "AND b.seq = NEW.seq AND b.on_hand = NEW.balance AND b.expiry = NEW.expiry"
    )
    start = "CASE WHEN NEW.seq = 1 THEN 0 ELSE NULL END"
    return (
        f"NOT EXISTS ({matching}) OR "
        f"(NEW.balance - NEW.quantity) IS DISTINCT FROM COALESCE(({_PREVIOUS}), {start})"
    )


_BALANCE_JUMPS = (
    "NEW.facility <> OLD.facility OR NEW.product <> OLD.product OR NEW.lot <> OLD.lot "
    "OR NEW.expiry <> OLD.expiry OR NEW.seq IS DISTINCT FROM COALESCE(OLD.seq, 0) + 1"
)
_SQLITE_TRIGGERS = (
    *(f"{t}_no_{e}" for t in _IMMUTABLE for e in ("update", "delete")),
    "inventory_balances_no_delete",
    "inventory_balances_born_empty",
    "inventory_balances_step",
    "inventory_lines_agree",
)
_PG_FUNCTIONS = (
    "inventory_refuse_change",
    "inventory_balance_born_empty",
    "inventory_balance_steps",
    "inventory_line_agrees",
)


def _sqlite() -> list[str]:
    # SQLite spells IS DISTINCT FROM as IS NOT.
    def sqlite(sql: str) -> str:
        return sql.replace("IS DISTINCT FROM", "IS NOT")

    statements = [
        f"CREATE TRIGGER {t}_no_{e.lower()} BEFORE {e} ON {t} "
        f"BEGIN SELECT RAISE(ABORT, 'inventory: {t} rows are immutable'); END"
        for t in _IMMUTABLE
        for e in ("UPDATE", "DELETE")
    ]
    return [
        *statements,
        "CREATE TRIGGER inventory_balances_no_delete BEFORE DELETE ON inventory_balances "
        "BEGIN SELECT RAISE(ABORT, 'inventory: balance rows are never deleted'); END",
        "CREATE TRIGGER inventory_balances_born_empty BEFORE INSERT ON inventory_balances "
        "WHEN NEW.seq IS NOT NULL OR NEW.on_hand <> 0 "
        "BEGIN SELECT RAISE(ABORT, 'inventory: a balance row starts empty'); END",
        "CREATE TRIGGER inventory_balances_step BEFORE UPDATE ON inventory_balances "
        f"WHEN {sqlite(_BALANCE_JUMPS)} "
        "BEGIN SELECT RAISE(ABORT, 'inventory: a balance moves one line at a time'); END",
        "CREATE TRIGGER inventory_lines_agree BEFORE INSERT ON inventory_lines "
        f"WHEN {sqlite(_line_disagrees())} "
        "BEGIN SELECT RAISE(ABORT, 'inventory: a line must continue its stock card'); END",
    ]


def _plpgsql(name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{body}\nEND $$"
    )


def _raise_if(condition: str, message: str, result: str = "NEW") -> str:
    # check_violation, so drivers report it as an IntegrityError like the CHECK constraints.
    return (
        f"IF {condition} THEN\n"
        f"  RAISE EXCEPTION '{message}' USING ERRCODE = 'check_violation';\n"
        f"END IF;\nRETURN {result};"
    )


def _postgres() -> list[str]:
    refuse = (
        "RAISE EXCEPTION USING MESSAGE = 'inventory: ' || TG_TABLE_NAME || "
        "' rows are immutable', ERRCODE = 'check_violation';"
    )
    statements = [_plpgsql("inventory_refuse_change", refuse)]
    statements += [
        f"CREATE TRIGGER {t}_immutable BEFORE UPDATE OR DELETE ON {t} "
        "FOR EACH ROW EXECUTE FUNCTION inventory_refuse_change()"
        for t in _IMMUTABLE
    ]
    born_empty = _raise_if(
        "NEW.seq IS NOT NULL OR NEW.on_hand <> 0", "inventory: a balance row starts empty"
    )
    steps = _raise_if(
        f"TG_OP = 'DELETE' OR {_BALANCE_JUMPS}", "inventory: a balance moves one line at a time"
    )
    agrees = _raise_if(_line_disagrees(), "inventory: a line must continue its stock card")
    return [
        *statements,
        _plpgsql("inventory_balance_born_empty", born_empty),
        "CREATE TRIGGER inventory_balances_born_empty BEFORE INSERT ON inventory_balances "
        "FOR EACH ROW EXECUTE FUNCTION inventory_balance_born_empty()",
        _plpgsql("inventory_balance_steps", steps),
        "CREATE TRIGGER inventory_balances_step BEFORE UPDATE OR DELETE ON inventory_balances "
        "FOR EACH ROW EXECUTE FUNCTION inventory_balance_steps()",
        _plpgsql("inventory_line_agrees", agrees),
        "CREATE TRIGGER inventory_lines_agree BEFORE INSERT ON inventory_lines "
        "FOR EACH ROW EXECUTE FUNCTION inventory_line_agrees()",
    ]
