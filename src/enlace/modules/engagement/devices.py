"""A lost phone: sign out everywhere else (public API `sign_out_elsewhere`). The patient ends
every session of their account and revokes the refresh tokens of the apps they connected (a
phone's app keeps a refresh token, not a session: ending sessions alone would leave it signed
in); a caregiver (who acts for the patient) also ends the sessions and tokens of the patient's
own accounts. The device asking gets a fresh session, so it stays signed in.
Deactivating an SMS number is the messaging module's (issue 16 part 2)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from enlace.security import oauth, sessions
from enlace.security.grants import own_patients
from enlace.security.tables import users
from enlace.security.users import User


def sign_out_elsewhere(conn: Connection, user: User, now_us: int) -> tuple[int, str]:
    """End the sessions (the user's own, and for a caregiver the patients' accounts'); the
    number ended (not counting the caller's own) and the new session token for the caller."""
    ended = -1  # the caller's own session is ended too, and renewed below
    accounts = [user.id]
    if user.role == "caregiver":
        wanted = [f"Patient/{p}" for p in own_patients(user)]
        query = select(users.c.id).where(users.c.role == "patient", users.c.fhir_user.in_(wanted))
        accounts += [patient_user for (patient_user,) in conn.execute(query).all()]
    for account in accounts:
        ended += sessions.end_user_sessions(conn, account)
        ended += oauth.revoke_user_tokens(conn, account)
    token = sessions.start_session(conn, user, now_us, second_factor=True)
    return max(ended, 0), token
