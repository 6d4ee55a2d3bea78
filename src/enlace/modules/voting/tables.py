"""The voting module's own tables (migration 0028); only this module reads or writes them.

Anonymity is structural: the roll (who may vote, who has voted) and the ballot box (what was
chosen) share no column that links one to the other.

- `voting_proposals`: the question, its kind and options, rules (quorum, minimum share, class
  weights, proxy limit), state draft/open/closed, and after closing the tally, the Merkle root
  over the ballot commitments and its seal (HMAC with the project's signing key).
- `voting_comments`: discussion on a proposal (authored, public).
- `voting_roll`: the eligible voters snapshotted at opening and a has-voted flag. No time of
  voting, no ballot reference.
- `voting_ballots`: the ballot box. Keyed by the receipt commitment (a hash, random-looking, so
  the key order says nothing of casting order); no voter, no timestamp, no serial id.
- `voting_assemblies`: ordinary/extraordinary general assemblies: convocation date, date held,
  quorum share, state, and the generated minutes with their Ed25519 signature line.
- `voting_agenda`: numbered agenda items, optionally the proposal voted under that item.
- `voting_attendance`: who attended (in person or represented by a proxy); public by design.
- `voting_bylaws`: every version of every bylaw article; the current text is the highest
  version, so the amendment history is never overwritten.
- `voting_proxies`: who holds whose vote for a proposal; `voting_proxy_audit`: every grant,
  revocation, refusal and proxy vote, with who and when (delegation is public by design).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

Id = String(64)

proposals = Table(
    "voting_proposals",
    metadata,
    Column("id", Id, primary_key=True),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("options", Text, nullable=False),  # JSON list
    Column("quorum", Float, nullable=False),  # share of the roll that must vote
    Column("min_share", Float, nullable=False),  # agree share needed (proposal kind)
    Column("class_weights", Text),  # JSON {class: weight} where bylaws configure it, else null
    Column("proxy_limit", Integer, nullable=False),
    Column("state", String(8), nullable=False),
    Column("created_by", String(120), nullable=False),
    Column("opened_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("result", Text),  # JSON, set at closing
    Column("merkle_root", String(64)),
    Column("seal", String(64)),
    Column("signature", Text),  # Ed25519 signed-note line over root + result (log signing key)
)

comments = Table(
    "voting_comments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("proposal_id", Id, nullable=False),
    Column("author", String(120), nullable=False),
    Column("body", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

roll = Table(
    "voting_roll",
    metadata,
    Column("proposal_id", Id, primary_key=True),
    Column("member_id", Id, primary_key=True),
    Column("member_class", String(24), nullable=False),
    Column("weight", Integer, nullable=False),
    Column("voted", Integer, nullable=False, default=0),  # 0/1
)

ballots = Table(
    "voting_ballots",
    metadata,
    Column("proposal_id", Id, primary_key=True),
    Column("commitment", String(64), primary_key=True),  # sha256(proposal|secret|choice)
    Column("choice", Text, nullable=False),  # canonical JSON
    Column("weight", Integer, nullable=False),
    sqlite_with_rowid=False,  # no hidden insertion-order rowid on SQLite
)

proxies = Table(
    "voting_proxies",
    metadata,
    Column("proposal_id", Id, primary_key=True),
    Column("grantor", Id, primary_key=True),
    Column("proxy", Id, nullable=False),
)

proxy_audit = Table(
    "voting_proxy_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("proposal_id", Id, nullable=False),
    Column("action", String(16), nullable=False),  # granted | revoked | refused | voted
    Column("grantor", Id, nullable=False),
    Column("proxy", Id, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("detail", String(300), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

assemblies = Table(
    "voting_assemblies",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(16), nullable=False),  # ordinary | extraordinary
    Column("title", String(300), nullable=False),
    Column("place", String(300), nullable=False),
    Column("convened_at", DateTime(timezone=True), nullable=False),
    Column("held_at", DateTime(timezone=True), nullable=False),
    Column("quorum", Float, nullable=False),
    Column("state", String(12), nullable=False),  # convened | closed
    Column("minutes", Text),
    Column("signature", Text),  # signed-note line of the minutes text
)

agenda = Table(
    "voting_agenda",
    metadata,
    Column("assembly_id", Id, primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("item", String(300), nullable=False),
    Column("proposal_id", Id),
)

attendance = Table(
    "voting_attendance",
    metadata,
    Column("assembly_id", Id, primary_key=True),
    Column("member_id", Id, primary_key=True),
    Column("represented_by", Id),  # null: in person
    Column("at", DateTime(timezone=True), nullable=False),
)

bylaws = Table(
    "voting_bylaws",
    metadata,
    Column("article", String(32), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("text", Text, nullable=False),
    Column("adopted_at", DateTime(timezone=True), nullable=False),
    Column("adopted_by", String(120), nullable=False),  # proposal id or "founding"
)

VOTING_TABLES: tuple[Table, ...] = (
    proposals,
    comments,
    roll,
    ballots,
    proxies,
    proxy_audit,
    assemblies,
    agenda,
    attendance,
    bylaws,
)
