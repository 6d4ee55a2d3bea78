"""Messaging rules, pure (no database, no I/O): which channel, whether a message may go, when.

The order of the checks is the order a compliance officer would ask them in:
1. a channel preference (where to send) — none: not sent, "no channel";
2. an express opt-in for that channel naming the sender (LFPDPPP: health data is sensitive and
   needs express consent) — none: "no consent"; withdrawn: "opted out";
3. WhatsApp outside the 24-hour window only with an approved utility template;
4. frequency caps per kind (default: ≤ 1 adherence message a patient a local day, ≤ 3 in any
   7 days) — over: "frequency cap";
5. quiet hours (default 21:00-08:00 America/Mexico_City): the message waits for 08:00.
A message that fails a check is still written (status not-sent, with the reason): the record
shows what the platform wanted to say and why it did not.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us, from_epoch_us

from .templates import Template

CHANNELS = ("sms", "whatsapp", "voice")
DAY_US = 24 * 3600 * 1_000_000
WHATSAPP_WINDOW_US = DAY_US
MAX_ATTEMPTS = 6  # then the message is "failed" (kept, visible, never silently dropped)
BACKOFF_BASE_US = 60 * 1_000_000  # 1, 2, 4, 8, 16 minutes between attempts
LEASE_US = 5 * 60 * 1_000_000  # a deliverer that died releases its claim after this

NO_CHANNEL = "not sent: no channel preference"
NO_CONSENT = "not sent: no consent"
OPTED_OUT = "not sent: opted out"
CAPPED = "not sent: frequency cap"
NOT_APPROVED = "not sent: WhatsApp template not approved (utility) outside 24 h window"


@dataclass(frozen=True, slots=True)
class Policy:
    timezone: str = "America/Mexico_City"
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    # kind -> (per local day, per rolling 7 days)
    caps: dict[str, tuple[int, int]] = field(default_factory=lambda: {"adherence": (1, 3)})


DEFAULT_POLICY = Policy()
QUIET_HOURS_ENV = "ENLACE_MESSAGING_QUIET_HOURS"


def policy_from_env(env: Mapping[str, str] = os.environ) -> Policy:
    """The default policy with the quiet hours ENLACE_MESSAGING_QUIET_HOURS names: "21:00-08:00"
    (the default), or "off" (a test server answering at any hour of the real clock)."""
    value = env.get(QUIET_HOURS_ENV, "").strip().lower()
    if not value:
        return DEFAULT_POLICY
    if value == "off":
        return replace(DEFAULT_POLICY, quiet_start=time(0), quiet_end=time(0))
    start, _, end = value.partition("-")
    try:
        return replace(
            DEFAULT_POLICY, quiet_start=time.fromisoformat(start), quiet_end=time.fromisoformat(end)
        )
    except ValueError as exc:
        raise ValueError(f"{QUIET_HOURS_ENV}: '{value}' is not HH:MM-HH:MM or off") from exc


READINGS_PER_HOUR_ENV = "ENLACE_SMS_READINGS_PER_HOUR"
DEFAULT_READINGS_PER_HOUR = 6  # a person measuring by hand rarely needs more; a flood is a script


def readings_per_hour(env: Mapping[str, str] = os.environ) -> int:
    """How many texts one number may turn into readings in any hour (API6: a flood of readings
    by text); more are recorded as the Communication they are, but not stored as readings."""
    value = env.get(READINGS_PER_HOUR_ENV, "").strip()
    if not value:
        return DEFAULT_READINGS_PER_HOUR
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{READINGS_PER_HOUR_ENV}: '{value}' is not a whole number of 1 or more")
    return int(value)


@dataclass(frozen=True, slots=True)
class Preference:
    channel: str
    address: str
    language: str = "es-MX"
    last_inbound_us: int | None = None


@dataclass(frozen=True, slots=True)
class ConsentState:
    sender: str
    granted_us: int
    withdrawn_us: int | None = None


def check_channel(channel: str, where: str = "channel") -> str:
    if channel not in CHANNELS:
        raise errors.bad_request(
            f"Unknown channel '{channel}' (one of {', '.join(CHANNELS)})", where
        )
    return channel


def release_time(now_us: int, policy: Policy = DEFAULT_POLICY) -> int:
    """`now_us`, or the end of the quiet hours it falls in (the local 08:00 that follows)."""
    zone = ZoneInfo(policy.timezone)
    local = from_epoch_us(now_us).astimezone(zone)
    clock = local.time()
    start, end = policy.quiet_start, policy.quiet_end
    in_quiet = (clock >= start or clock < end) if start > end else (start <= clock < end)
    if not in_quiet:
        return now_us
    release_day = local.date() if clock < end else local.date() + timedelta(days=1)
    return epoch_us(datetime.combine(release_day, end, tzinfo=zone))


def local_day_bounds(moment_us: int, policy: Policy = DEFAULT_POLICY) -> tuple[int, int]:
    """[start, end) of the local calendar day `moment_us` falls in, in epoch microseconds."""
    zone = ZoneInfo(policy.timezone)
    day = from_epoch_us(moment_us).astimezone(zone).date()
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return epoch_us(start), epoch_us(end)


def blocked_by(
    preference: Preference | None,
    consent: ConsentState | None,
    chosen: Template,
    now_us: int,
) -> str | None:
    """Why the message may not be sent at all (checks 1-3), or None."""
    if preference is None:
        return NO_CHANNEL
    if consent is None:
        return NO_CONSENT
    if consent.withdrawn_us is not None and consent.withdrawn_us <= now_us:
        return OPTED_OUT
    approved = bool(chosen.whatsapp_name) and chosen.whatsapp_category == "utility"
    if preference.channel == "whatsapp" and not _in_window(preference, now_us) and not approved:
        return NOT_APPROVED
    return None


def over_cap(
    kind: str, send_at_us: int, sent_times_us: list[int], policy: Policy = DEFAULT_POLICY
) -> bool:
    """Whether one more message of `kind` at `send_at_us` breaks a cap, given the times of the
    patient's other messages of that kind that are queued or delivered."""
    cap = policy.caps.get(kind)
    if cap is None:
        return False
    per_day, per_week = cap
    day_start, day_end = local_day_bounds(send_at_us, policy)
    same_day = sum(1 for t in sent_times_us if day_start <= t < day_end)
    week = sum(1 for t in sent_times_us if abs(send_at_us - t) < 7 * DAY_US)
    return same_day >= per_day or week >= per_week


def next_attempt(now_us: int, attempts: int) -> int | None:
    """When to retry after `attempts` failed hand-overs; None when they are used up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now_us + BACKOFF_BASE_US * 2 ** (attempts - 1)


def _in_window(preference: Preference, now_us: int) -> bool:
    last = preference.last_inbound_us
    return last is not None and now_us - last < WHATSAPP_WINDOW_US
