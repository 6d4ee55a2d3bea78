"""A lost phone: sign out everywhere else (public API `sign_out_elsewhere`). The patient ends
every session of their account; a caregiver (who acts for the patient) also ends the sessions of
the patient's own accounts. The device asking gets a fresh session, so it stays signed in.
Deactivating an SMS number is the messaging module's (issue 16 part 2)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from enlace.security import sessions
from enlace.security.grants import own_patients
from enlace.security.tables import users
from enlace.security.users import User


def sign_out_elsewhere(conn: Connection, user: User, now_us: int) -> tuple[int, str]:
    """End the sessions (the user's own, and for a caregiver the patients' accounts'); the
    number ended (not counting the caller's own) and the new session token for the caller."""
    ended = sessions.end_user_sessions(conn, user.id) - 1  # the caller's, renewed below
    if user.role == "caregiver":
        wanted = [f"Patient/{p}" for p in own_patients(user)]
        query = select(users.c.id).where(users.c.role == "patient", users.c.fhir_user.in_(wanted))
        for (patient_user,) in conn.execute(query).all():
            ended += sessions.end_user_sessions(conn, patient_user)
    token = sessions.start_session(conn, user, now_us, second_factor=True)
    return max(ended, 0), token
