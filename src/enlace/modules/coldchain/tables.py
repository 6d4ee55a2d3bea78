"""The coldchain module's own tables (migration 0020); only this module reads or writes them.

- `coldchain_loggers`: which temperature logger (a monitoring device of kind
  `temperature-logger`, same id) guards which place: the facility (catalog slug), the kind of
  place (fridge, cold-room, delivery-box), a label, and for a delivery box the lots it carries
  (JSON list of [product, lot]); a fridge or cold room guards the facility's cold-chain lots on
  hand. `status` active or retired.
- `coldchain_excursions`: one row per WHO alarm (heat or freeze) on a logger's series: when it
  started and ended, the peak, the pharmacist's Task, and the decision (release or destroy) with
  who, why and when. `status` open until decided; the conditional UPDATE on it is what refuses a
  second decision.
- `coldchain_holds`: the lots an excursion quarantined (product, GTIN, lot, units set aside) and
  what became of them (held, released, destroyed).
- `coldchain_faults`: logger faults (stuck sensor, clock jump, gap), never excursions; unique per
  logger, kind and start so re-evaluating a series records each once.

No foreign keys to other modules; device ids are monitoring's (FHIR Device ids).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

Id = String(64)
Slug = String(80)

loggers = Table(
    "coldchain_loggers",
    metadata,
    Column("device", Id, primary_key=True),
    Column("facility", Slug, nullable=False),
    Column("place_kind", String(16), nullable=False),  # fridge | cold-room | delivery-box
    Column("label", String(80), nullable=False),
    Column("lots", Text),  # delivery box: JSON [[product, lot], ...]; else NULL
    Column("status", String(10), nullable=False),  # active | retired
    Column("added_us", BigInteger, nullable=False),
    CheckConstraint(
        "place_kind IN ('fridge','cold-room','delivery-box')", name="coldchain_place_known"
    ),
    CheckConstraint("status IN ('active','retired')", name="coldchain_logger_status_known"),
    Index("ix_coldchain_loggers_facility", "facility"),
)

excursions = Table(
    "coldchain_excursions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("logger", Id, nullable=False),
    Column("facility", Slug, nullable=False),
    Column("kind", String(8), nullable=False),  # heat | freeze
    Column("start_us", BigInteger, nullable=False),
    Column("end_us", BigInteger),  # NULL: still outside the range at the last reading
    Column("last_us", BigInteger, nullable=False),
    Column("peak_c", Float, nullable=False),
    Column("opened_us", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),  # open | released | destroyed
    Column("task_id", Id),  # the pharmacist's FHIR Task
    Column("decided_us", BigInteger),
    Column("decided_by", Text),  # fhirUser reference of the pharmacist
    Column("reason", Text),
    CheckConstraint("kind IN ('heat','freeze')", name="coldchain_excursion_kind_known"),
    CheckConstraint(
        "status IN ('open','released','destroyed')", name="coldchain_excursion_status_known"
    ),
    UniqueConstraint("logger", "kind", "start_us", name="uq_coldchain_excursion_start"),
    Index("ix_coldchain_excursions_facility", "facility", "status"),
)

holds = Table(
    "coldchain_holds",
    metadata,
    Column("excursion", Id, primary_key=True),
    Column("product", Slug, primary_key=True),
    Column("lot", String(64), primary_key=True),
    Column("facility", Slug, nullable=False),
    Column("gtin", String(14), nullable=False),
    Column("units", Integer, nullable=False),
    Column("status", String(10), nullable=False),  # held | released | destroyed
    CheckConstraint("status IN ('held','released','destroyed')", name="coldchain_hold_known"),
    Index("ix_coldchain_holds_facility", "facility", "status"),
)

faults = Table(
    "coldchain_faults",
    metadata,
    Column("logger", Id, primary_key=True),
    Column("kind", String(16), primary_key=True),  # stuck-sensor | clock-jump | gap
    Column("start_us", BigInteger, primary_key=True),
    Column("end_us", BigInteger, nullable=False),
    Column("detail", Text, nullable=False),
    Column("detected_us", BigInteger, nullable=False),
)

COLDCHAIN_TABLES: tuple[Table, ...] = (loggers, excursions, holds, faults)
