"""Patient Consent (FHIR R4 Consent, scope patient-privacy) evaluated on every access.

The network's base policy is to share for treatment; a patient's active Consent with a `deny`
provision (at the root or nested) takes it back, for:
- actors: `provision.actor.reference` (an Organization such as an insurer, a Practitioner);
- purposes of use: `provision.purpose` (v3-ActReason: HPAYMT payment, HRESCH research, PUBHLTH
  public health, TREAT treatment...), matched against the access's purpose, which is the one the
  token states or else its role's (ROLE_PURPOSE: a payer asks for payment);
- sensitive categories: `provision.securityLabel` (e.g. v3-ActCode HIV, PSY): then only the
  patient's resources carrying that label in `meta.security` are withheld;
- resource types: `provision.class` (codes are resource type names);
- a time window: `provision.period`.
A rule with no actor or purpose applies to everyone but the patient and their caregivers.
Break-glass (purpose ETREAT, clinical roles) sets denials aside, and is audited as such.

Rules are read from the stored Consents and cached per process. The cache is checked against the
newest Consent's lastUpdated (one index probe) at most once every RECHECK_S per process, and at
once after this process writes a Consent (`invalidate`, called by every write path): a Consent
written through one worker applies there immediately and in the others within a second.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from enlace.fhir.compartments import patient_compartment_params
from enlace.kernel.clock import system_clock
from enlace.search.values import date_range
from enlace.store import content_cipher
from enlace.store.database import Database
from enlace.store.schema import reference_index, resources, token_index

from .access import Access
from .recheck import Rechecked
from .roles import PATIENT_ROLES

PURPOSE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
ROLE_PURPOSE = {
    "physician": "TREAT",
    "nurse": "TREAT",
    "chw": "TREAT",
    "coordinator": "TREAT",  # coordinating referrals and appointments is part of treatment
    "pharmacist": "TREAT",
    "payer": "HPAYMT",
    "analyst": "PUBHLTH",
    "regulator": "HOPERAT",
    "administrator": "HOPERAT",
    "patient": "PATRQT",
    "caregiver": "FAMRQT",
}
BREAK_GLASS_ROLES = frozenset({"physician", "nurse", "administrator"})
Condition = ColumnElement[bool]


@dataclass(frozen=True)
class DenyRule:
    patient: str
    actors: frozenset[str]  # "Organization/ins1", "Practitioner/7"
    purposes: frozenset[str]
    labels: frozenset[tuple[str, str]]  # (system, code) of meta.security
    classes: frozenset[str]  # resource types
    start_us: int | None
    end_us: int | None

    def applies_to(self, access: Access, now_us: int) -> bool:
        if access.role in PATIENT_ROLES and self.patient in access.patients:
            return False  # a patient's own record is never withheld from them
        if self.start_us is not None and now_us < self.start_us:
            return False
        if self.end_us is not None and now_us > self.end_us:
            return False
        me = {f"Organization/{access.organization}", access.fhir_user or "", access.actor}
        purpose = access.purpose or ROLE_PURPOSE.get(access.role or "")
        return (not self.actors or bool(self.actors & me)) and (
            not self.purposes or purpose in self.purposes
        )


class ConsentRules:
    """The deny rules that apply to one access, as SQL conditions on `resources` rows."""

    def __init__(self, rules: list[DenyRule]) -> None:
        self.rules = rules

    def condition(self, resource_type: str, target: Any) -> Condition | None:
        parts: list[Condition] = []
        for rule in self.rules:
            if rule.classes and resource_type not in rule.classes:
                continue
            denied = _denied(rule, resource_type, target)
            if denied is not None:
                parts.append(denied)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else or_(*parts)


def _denied(rule: DenyRule, resource_type: str, target: Any) -> Condition | None:
    params = patient_compartment_params().get(resource_type)
    if resource_type == "Patient":
        member: Condition = target.c.id == rule.patient
    elif params:
        ref = reference_index.c
        linked = select(ref.resource_id).where(
            ref.resource_type == resource_type,
            ref.param.in_(params),
            ref.target_type == "Patient",
            ref.target_id == rule.patient,
        )
        member = target.c.id.in_(linked.correlate(None))
    else:
        return None  # not patient data
    if not rule.labels:
        return member
    tok = token_index.c
    labelled = select(tok.resource_id).where(
        tok.resource_type == resource_type,
        tok.param == "_security",
        or_(*(and_(tok.system == s, tok.code == c) for s, c in sorted(rule.labels))),
    )
    return and_(member, target.c.id.in_(labelled.correlate(None)))


RECHECK_S = 1.0


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stamp: dict[str, tuple[int | None, int]] = {}
        self.rules: dict[str, list[DenyRule]] = {}


_cache = _Cache()
_recent: Rechecked[list[DenyRule]] = Rechecked(RECHECK_S)


def invalidate() -> None:
    """A Consent was written in this process: check the stored ones on the next request."""
    _recent.invalidate()


def consent_rules(db: Database, access: Access, now_us: int | None = None) -> ConsentRules | None:
    """The rules denying this access something, or None when no Consent concerns it."""
    if access.break_glass and access.role in BREAK_GLASS_ROLES:
        return None
    now = now_us if now_us is not None else int(system_clock().timestamp() * 1_000_000)
    rules = _fresh_rules(db)
    applying = [rule for rule in rules if rule.applies_to(access, now)]
    return ConsentRules(applying) if applying else None


def _fresh_rules(db: Database) -> list[DenyRule]:
    def read() -> list[DenyRule]:
        with db.read() as conn:
            return _all_rules(db.url, conn)

    return _recent.get(db.url, read)


def _all_rules(key: str, conn: Connection) -> list[DenyRule]:
    r = resources.c
    stamp_query = select(func.max(r.last_updated_us), func.count()).where(
        r.resource_type == "Consent"
    )
    newest, count = conn.execute(stamp_query).one()
    stamp = (newest, int(count))
    with _cache.lock:
        if _cache.stamp.get(key) == stamp:
            return _cache.rules[key]
    rows = conn.execute(
        select(r.id, r.version_id, r.content).where(
            r.resource_type == "Consent", r.deleted.is_(False)
        )
    )
    opened = content_cipher.of(conn).open
    rules = [
        rule
        for row in rows
        for rule in rules_of(orjson.loads(opened("Consent", row[0], row[1], bytes(row[2]))))
    ]
    with _cache.lock:
        _cache.stamp[key], _cache.rules[key] = stamp, rules
    return rules


def rules_of(consent: dict[str, Any]) -> list[DenyRule]:
    """The deny rules of one Consent (none unless it is active and names its patient)."""
    patient = (consent.get("patient") or {}).get("reference", "")
    if consent.get("status") != "active" or not patient.startswith("Patient/"):
        return []
    rules: list[DenyRule] = []
    _collect(consent.get("provision") or {}, patient.split("/", 1)[1], rules)
    return rules


def _collect(provision: dict[str, Any], patient: str, into: list[DenyRule]) -> None:
    if provision.get("type") == "deny":
        into.append(_rule(provision, patient))
    for nested in provision.get("provision") or []:
        _collect(nested, patient, into)


def _rule(provision: dict[str, Any], patient: str) -> DenyRule:
    actors = provision.get("actor") or []
    period = provision.get("period") or {}
    return DenyRule(
        patient=patient,
        actors=frozenset(
            a["reference"]["reference"]
            for a in actors
            if (a.get("reference") or {}).get("reference")
        ),
        purposes=frozenset(p.get("code", "") for p in provision.get("purpose") or []),
        labels=frozenset(
            (s.get("system", ""), s.get("code", "")) for s in provision.get("securityLabel") or []
        ),
        classes=frozenset(c.get("code", "") for c in provision.get("class") or []),
        start_us=_instant_us(period.get("start")),
        end_us=_instant_us(period.get("end"), end=True),
    )


def _instant_us(text: str | None, end: bool = False) -> int | None:
    if not text:
        return None
    entry = date_range(text)
    if entry is None:
        return None
    return entry.high_us if end else entry.low_us
