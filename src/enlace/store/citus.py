"""Check the migrated schema against the Citus placement map, and write the cut-over DDL.

`shapes(conn)` reads the tables as the database has them (after every migration, whichever
module made them); `problems` lists what would stop `create_distributed_table` or break
colocation; `cutover_ddl` widens the keys of pending tables whose distribution column exists
(plain PostgreSQL, run before distributing), a foreign key between two of them together with
the key it names; `distribute_ddl` is the Citus calls themselves.
See docs/scale.md for the plan these serve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, inspect, text

from enlace.store.distribution import PATIENT_COLUMNS, PLACEMENTS, Placement, placement


@dataclass(frozen=True)
class UniqueKey:
    name: str | None
    columns: tuple[str, ...]
    constraint: bool  # a UNIQUE constraint (else a unique index)


@dataclass(frozen=True)
class ForeignKey:
    to: str
    columns: tuple[str, ...]
    referred: tuple[str, ...] = ()
    name: str | None = None
    deferred: bool = False  # DEFERRABLE INITIALLY DEFERRED


@dataclass
class TableShape:
    name: str
    columns: dict[str, bool]  # name -> nullable
    types: dict[str, str]
    primary_key: tuple[str, ...]
    primary_key_name: str | None
    uniques: list[UniqueKey] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)


def shapes(conn: Connection) -> dict[str, TableShape]:
    """Every table of the connected database, as reflected (partitions of a partitioned
    parent are left out: they follow their parent)."""
    seen = inspect(conn)
    out: dict[str, TableShape] = {}
    for name in seen.get_table_names():
        if _is_partition(conn, name):
            continue
        columns = seen.get_columns(name)
        pk = seen.get_pk_constraint(name)
        uniques = [
            UniqueKey(u["name"], tuple(u["column_names"]), True)
            for u in seen.get_unique_constraints(name)
        ]
        uniques += [
            UniqueKey(i["name"], tuple(c for c in i["column_names"] if c), False)
            for i in seen.get_indexes(name)
            if i["unique"] and not i.get("duplicates_constraint")
        ]
        out[name] = TableShape(
            name,
            {c["name"]: bool(c["nullable"]) for c in columns},
            {c["name"]: _type_family(str(c["type"])) for c in columns},
            tuple(pk["constrained_columns"]),
            pk.get("name"),
            uniques,
            [_foreign_key(fk) for fk in seen.get_foreign_keys(name)],
        )
    return out


def _foreign_key(seen: Any) -> ForeignKey:
    options = seen.get("options") or {}
    deferred = bool(options.get("deferrable")) and options.get("initially") == "DEFERRED"
    return ForeignKey(
        seen["referred_table"],
        tuple(seen["constrained_columns"]),
        tuple(seen["referred_columns"]),
        seen.get("name"),
        deferred,
    )


def _is_partition(conn: Connection, name: str) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    query = "SELECT relispartition FROM pg_class WHERE relname = :n AND relkind IN ('r', 'p')"
    return bool(conn.execute(text(query), {"n": name}).scalar())


def _type_family(sql_type: str) -> str:
    upper = sql_type.upper()
    if "CHAR" in upper or "TEXT" in upper:
        return "text"
    if "INT" in upper:
        return "integer"
    return upper


def key_gaps(shape: TableShape, column: str, references: frozenset[str] = frozenset()) -> list[str]:
    """The keys of `shape` that lack `column` (Citus needs it in each, and in every foreign
    key to a table that is not a reference table), in words."""
    gaps = []
    if column not in shape.columns:
        return [f"no column {column}"]
    if shape.columns[column]:
        gaps.append(f"{column} is nullable")
    if shape.primary_key and column not in shape.primary_key:
        gaps.append(f"primary key ({', '.join(shape.primary_key)}) lacks {column}")
    gaps += [
        f"unique ({', '.join(u.columns)}) lacks {column}"
        for u in shape.uniques
        if column not in u.columns
    ]
    gaps += [
        f"foreign key ({', '.join(fk.columns)}) to {fk.to} lacks {column}"
        for fk in shape.foreign_keys
        if fk.to not in references and column not in fk.columns
    ]
    return gaps


def problems(
    found: dict[str, TableShape], placements: dict[str, Placement] | None = None
) -> list[str]:
    """What stands between this schema and the placement map; empty when it is ready."""
    placements = PLACEMENTS if placements is None else placements
    out: list[str] = []
    for name, shape in sorted(found.items()):
        where = placement(name, placements)
        if where is None:
            out.append(f"{name}: not classified in enlace.store.distribution (add a Placement)")
            continue
        out += [f"{name}: {p}" for p in _check(shape, where, placements)]
    out += _colocation(found, placements)
    return out


def _check(shape: TableShape, where: Placement, placements: dict[str, Placement]) -> list[str]:
    patient = sorted(PATIENT_COLUMNS & shape.columns.keys())
    if where.kind in ("local", "reference") and not where.why:
        return [f"{where.kind} without a reason"]
    if where.kind in ("local", "reference"):
        return []
    assert where.column is not None
    references = frozenset(n for n, p in placements.items() if p.kind == "reference")
    gaps = key_gaps(shape, where.column, references)
    if where.kind == "distributed":
        out = [f"distributed by {where.column} but {gap}" for gap in gaps]
        if patient and where.column not in patient and not where.why:
            out.append(f"has {patient[0]} but is distributed by {where.column} with no reason")
        out += [
            f"foreign key to {fk.to}, which is not colocated with it"
            for fk in shape.foreign_keys
            if fk.to not in references
            and placements.get(fk.to, Placement("local")).group != where.group
        ]
        return out
    if not gaps:
        return [f"pending, but ready to distribute by {where.column}: mark it distributed"]
    if not where.why:
        return ["pending without saying what must change"]
    return []


def _colocation(found: dict[str, TableShape], placements: dict[str, Placement]) -> list[str]:
    """Tables of one colocation group must share the distribution column's type."""
    families: dict[str, set[str]] = {}
    for name, where in placements.items():
        shape = found.get(name)
        if where.kind != "distributed" or shape is None or where.column not in shape.types:
            continue
        families.setdefault(str(where.group), set()).add(shape.types[str(where.column)])
    return [
        f"colocation group {group}: distribution columns of different types {sorted(kinds)}"
        for group, kinds in sorted(families.items())
        if len(kinds) > 1
    ]


def widenable(found: dict[str, TableShape], placements: dict[str, Placement]) -> list[str]:
    """Pending tables whose keys DDL alone can widen: the column is there and NOT NULL, and
    every foreign key from or to the table already names the column, or joins two such tables
    of one group by that column (the pair widens together: the referenced key and the foreign
    key both gain the column)."""
    ready = {
        name
        for name, where in placements.items()
        if where.kind == "pending"
        and name in found
        and not found[name].columns.get(str(where.column), True)
    }
    while True:  # a table dropped from `ready` may strand the partner of one of its pairs
        touching: dict[str, list[bool]] = {}
        for name, shape in found.items():
            for fk in shape.foreign_keys:
                fits = _fk_fits(name, fk, placements, ready)
                touching.setdefault(name, []).append(fits)
                touching.setdefault(fk.to, []).append(fits)
        blocked = {name for name in ready if not all(touching.get(name, []))}
        if not blocked:
            return sorted(ready)
        ready -= blocked


def _fk_fits(name: str, fk: ForeignKey, placements: dict[str, Placement], ready: set[str]) -> bool:
    """Whether the foreign key will hold on the cluster as it is, or once widened as a pair."""
    child, parent = placement(name, placements), placement(fk.to, placements)
    if child is None or parent is None or child.kind not in ("distributed", "pending"):
        return False
    same = (parent.column, parent.group) == (child.column, child.group)
    if parent.kind not in ("distributed", "pending") or not same:
        return False
    column = str(child.column)
    if column in fk.columns:
        return True
    # Widened as a pair: dropped by its name and made again led by the column.
    return fk.name is not None and name in ready and fk.to in ready and column not in fk.referred


def _pairs(
    found: dict[str, TableShape], placements: dict[str, Placement], ready: list[str]
) -> list[tuple[str, ForeignKey, str]]:
    """(table, foreign key, column) of the foreign keys that widen with the key they name."""
    return [
        (name, fk, str(placements[name].column))
        for name in ready
        for fk in found[name].foreign_keys
        if str(placements[name].column) not in fk.columns
    ]


def _add_foreign_key(name: str, fk: ForeignKey, column: str) -> str:
    columns, referred = ", ".join((column, *fk.columns)), ", ".join((column, *fk.referred))
    deferred = " DEFERRABLE INITIALLY DEFERRED" if fk.deferred else ""
    return (
        f'ALTER TABLE "{name}" ADD CONSTRAINT "{fk.name}" FOREIGN KEY ({columns}) '
        f'REFERENCES "{fk.to}" ({referred}){deferred}'
    )


def cutover_ddl(
    found: dict[str, TableShape], placements: dict[str, Placement] | None = None
) -> list[str]:
    """Plain PostgreSQL statements that widen each pending table's primary key and unique keys
    to lead with its distribution column, where that column exists and is NOT NULL. Run once,
    at the cut-over, before `distribute_ddl` (and the code that relies on a narrower ON CONFLICT
    target changed first: docs/scale.md lists it). A foreign key between two of them is
    dropped first and made again after, led by the column, so that the key it names can change
    (inventory_lines (event_id) -> inventory_events (id) becomes (facility, event_id) ->
    (facility, id))."""
    placements = PLACEMENTS if placements is None else placements
    ready = widenable(found, placements)
    pairs = _pairs(found, placements, ready)
    out = [f'ALTER TABLE "{name}" DROP CONSTRAINT "{fk.name}"' for name, fk, _ in pairs]
    for name in ready:
        shape, column = found[name], str(placements[name].column)
        if shape.primary_key and column not in shape.primary_key:
            keys = ", ".join((column, *shape.primary_key))
            out.append(
                f'ALTER TABLE "{name}" DROP CONSTRAINT "{shape.primary_key_name}", '
                f"ADD PRIMARY KEY ({keys})"
            )
            # Reads by the old key alone (a message by id, an appointment by id) keep an index:
            # on the cluster they fan out to every shard, each probing its own copy of it.
            old = ", ".join(shape.primary_key)
            index = f"ix_{name}_{'_'.join(shape.primary_key)}"[:63]
            out.append(f'CREATE INDEX IF NOT EXISTS "{index}" ON "{name}" ({old})')
        for unique in shape.uniques:
            if column in unique.columns or unique.name is None:
                continue
            keys = ", ".join((column, *unique.columns))
            if unique.constraint:
                out.append(
                    f'ALTER TABLE "{name}" DROP CONSTRAINT "{unique.name}", '
                    f'ADD CONSTRAINT "{unique.name}" UNIQUE ({keys})'
                )
            else:
                out.append(f'DROP INDEX "{unique.name}"')
                out.append(f'CREATE UNIQUE INDEX "{unique.name}" ON "{name}" ({keys})')
    return out + [_add_foreign_key(name, fk, column) for name, fk, column in pairs]


def distribute_ddl(placements: dict[str, Placement] | None = None) -> list[str]:
    """The Citus calls: reference tables first, then each colocation group, the first table of
    a group anchoring the others. Pending tables are included as if ready (run after the
    cut-over); local tables stay on the coordinator."""
    placements = PLACEMENTS if placements is None else placements
    out = [
        f"SELECT create_reference_table('{name}')"
        for name, where in sorted(placements.items())
        if where.kind == "reference"
    ]
    anchors: dict[str, str] = {}
    for name, where in sorted(placements.items()):
        if where.kind not in ("distributed", "pending") or where.group is None:
            continue
        anchor = anchors.setdefault(where.group, name)
        colocate = "none" if anchor == name else anchor
        out.append(
            f"SELECT create_distributed_table('{name}', '{where.column}', "
            f"colocate_with => '{colocate}')"
        )
    return out
