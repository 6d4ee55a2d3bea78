"""A patient's channel preference and per-channel express consent (opt-in naming the sender,
opt-out), in the caller's transaction.

Consent here is consent to be *contacted* on a channel about one's health; what the platform
may *read* is security.consent (FHIR Consent). Opting out is per channel and takes effect at
once: messages already queued for that channel are stopped at delivery time too.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from enlace.kernel import errors

from .domain import ConsentState, Preference, check_channel
from .tables import consents, preferences


def set_preference(
    conn: Connection,
    patient: str,
    channel: str,
    address: str,
    now_us: int,
    language: str = "es-MX",
) -> None:
    check_channel(channel)
    if not address.strip():
        raise errors.bad_request("An address (phone number) is required", "address")
    if not language.lower().startswith(("es", "en")):
        raise errors.bad_request(f"Unsupported language '{language}' (es-MX or en)", "language")
    values = {"channel": channel, "address": address.strip(), "language": language}
    done = conn.execute(
        update(preferences)
        .where(preferences.c.patient == patient)
        .values(**values, updated_us=now_us)
    )
    if done.rowcount == 0:
        conn.execute(preferences.insert().values(patient=patient, updated_us=now_us, **values))


def grant(
    conn: Connection, patient: str, channel: str, sender: str, evidence: str, now_us: int
) -> None:
    """Record an express opt-in for `channel` naming `sender`; a new grant after an opt-out
    replaces it (the new grant is what stands)."""
    check_channel(channel)
    if not sender.strip():
        raise errors.bad_request("Consent must name the sender", "sender")
    if not evidence.strip():
        raise errors.bad_request("Consent must say how it was given", "evidence")
    values = {"sender": sender.strip(), "evidence": evidence.strip(), "granted_us": now_us}
    c = consents.c
    done = conn.execute(
        update(consents)
        .where(c.patient == patient, c.channel == channel)
        .values(**values, withdrawn_us=None)
    )
    if done.rowcount == 0:
        conn.execute(consents.insert().values(patient=patient, channel=channel, **values))


def withdraw(conn: Connection, patient: str, channel: str, now_us: int) -> bool:
    """Opt out of `channel`; False when there was no standing consent to withdraw."""
    check_channel(channel)
    c = consents.c
    done = conn.execute(
        update(consents)
        .where(c.patient == patient, c.channel == channel, c.withdrawn_us.is_(None))
        .values(withdrawn_us=now_us)
    )
    return done.rowcount > 0


def preference_of(conn: Connection, patient: str) -> Preference | None:
    row = conn.execute(select(preferences).where(preferences.c.patient == patient)).first()
    if row is None:
        return None
    return Preference(row.channel, row.address, row.language, row.last_inbound_us)


def consent_of(conn: Connection, patient: str, channel: str) -> ConsentState | None:
    c = consents.c
    row = conn.execute(select(consents).where(c.patient == patient, c.channel == channel)).first()
    if row is None:
        return None
    return ConsentState(row.sender, row.granted_us, row.withdrawn_us)


def preferences_of(conn: Connection, patients: list[str]) -> dict[str, Preference]:
    found = {}
    for start in range(0, len(patients), 500):
        query = select(preferences).where(preferences.c.patient.in_(patients[start : start + 500]))
        for row in conn.execute(query):
            found[row.patient] = Preference(
                row.channel, row.address, row.language, row.last_inbound_us
            )
    return found


def consents_of(conn: Connection, patients: list[str]) -> dict[tuple[str, str], ConsentState]:
    found = {}
    for start in range(0, len(patients), 500):
        query = select(consents).where(consents.c.patient.in_(patients[start : start + 500]))
        for row in conn.execute(query):
            state = ConsentState(row.sender, row.granted_us, row.withdrawn_us)
            found[(row.patient, row.channel)] = state
    return found
