"""The registry module's own tables (migration 0026); only this module reads or writes them.

- `registry_cases`: each Condition a registry selected (registry, condition id), with the
  patient, the institution that recorded it, its ICD-10 code, when the Condition was first
  stored (`recorded_us`, the start of the timeliness clock) and when the selection last saw it.
- `registry_links`: the Subscription through which a registry receives its cases (one per
  registry): the endpoint is the Subscription's, delivery facts are the subscriptions module's.

No foreign keys to other modules; ids are FHIR logical ids.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, String, Table

metadata = MetaData()

Id = String(64)

cases = Table(
    "registry_cases",
    metadata,
    Column("registry", String(16), primary_key=True),
    Column("condition", Id, primary_key=True),
    Column("patient", String(80), nullable=False),
    Column("institution", String(200), nullable=False),
    Column("code", String(16), nullable=False),
    Column("recorded_us", BigInteger, nullable=False),
    Column("seen_us", BigInteger, nullable=False),
)

links = Table(
    "registry_links",
    metadata,
    Column("registry", String(16), primary_key=True),
    Column("subscription", Id, nullable=False),
)

REGISTRY_TABLES = (cases, links)
