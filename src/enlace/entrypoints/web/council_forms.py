"""The council's forms read into the voting module's arguments (pure: no database).

Each reader returns the arguments and a dict of problems, field -> message key (council_strings),
so the page can show every problem next to its field at once and write nothing. Rules the domain
already enforces (distinct options, notice period, existing proposals...) are left to it; the page
shows its refusal with the field it names (council_pages.refusal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from enlace.modules import voting

IDENT = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
PERCENT = re.compile(r"[0-9]{1,3}")
SMALL = re.compile(r"[0-9]{1,2}")
MAX_OPTIONS = 30
MAX_ITEMS = 30


@dataclass
class VoteForm:
    ident: str = ""
    title: str = ""
    kind: str = ""
    options: list[str] = field(default_factory=list)
    body: str = ""
    quorum: float = 0.5
    min_share: float = 0.5
    proxy_limit: int = 1


@dataclass
class AssemblyForm:
    ident: str = ""
    kind: str = ""
    title: str = ""
    place: str = ""
    convened_at: datetime | None = None
    held_at: datetime | None = None
    quorum: float = 0.5
    notice_days: int = voting.assemblies.DEFAULT_NOTICE_DAYS
    items: list[tuple[str, str | None]] = field(default_factory=list)


def read_vote(form: dict[str, str]) -> tuple[VoteForm, dict[str, str]]:
    problems: dict[str, str] = {}
    out = VoteForm(ident=form.get("id", "").strip(), title=form.get("title", "").strip()[:300],
                   kind=form.get("kind", ""), body=form.get("body", "").strip()[:4000])  # fmt: skip
    _ident(out.ident, problems)
    if not out.title:
        problems["title"] = "council.need_title"
    if out.kind not in voting.KINDS:
        problems["kind"] = "council.bad_kind"
    out.options = [line.strip() for line in form.get("options", "").splitlines() if line.strip()]
    if out.kind != "proposal" and not 2 <= len(out.options) <= MAX_OPTIONS:
        problems["options"] = "council.need_options"
    elif any(len(o) > 120 for o in out.options) or len(set(out.options)) != len(out.options):
        problems["options"] = "council.bad_options"
    out.quorum = _share(form.get("quorum", ""), "quorum", problems)
    out.min_share = _share(form.get("min_share", ""), "min_share", problems)
    limit = form.get("proxy_limit", "").strip()
    if not SMALL.fullmatch(limit):
        problems["proxy_limit"] = "council.bad_proxy_limit"
    else:
        out.proxy_limit = int(limit)
    return out, problems


def read_assembly(form: dict[str, str]) -> tuple[AssemblyForm, dict[str, str]]:
    problems: dict[str, str] = {}
    out = AssemblyForm(ident=form.get("id", "").strip(), kind=form.get("kind", ""),
                       title=form.get("title", "").strip()[:300],
                       place=form.get("place", "").strip()[:300])  # fmt: skip
    _ident(out.ident, problems)
    if out.kind not in voting.assemblies.KINDS:
        problems["kind"] = "council.bad_assembly_kind"
    for name, text in (("title", out.title), ("place", out.place)):
        if not text:
            problems[name] = f"council.need_{name}"
    out.convened_at = _date(form.get("convened", ""), "convened", problems)
    out.held_at = _datetime(form.get("held", ""), "held", problems)
    out.quorum = _share(form.get("quorum", ""), "quorum", problems)
    days = form.get("notice_days", "").strip()
    if not SMALL.fullmatch(days) or int(days) < 1:
        problems["notice_days"] = "council.bad_notice_days"
    else:
        out.notice_days = int(days)
    out.items = _agenda(form.get("agenda", ""), problems)
    return out, problems


def _ident(text: str, problems: dict[str, str]) -> None:
    if not IDENT.fullmatch(text):
        problems["id"] = "council.bad_id"


def _share(text: str, name: str, problems: dict[str, str]) -> float:
    """A percentage 0..100 typed by a person, as the share 0..1 the domain takes."""
    text = text.strip()
    if not PERCENT.fullmatch(text) or int(text) > 100:
        problems[name] = "council.bad_percent"
        return 0.0
    return int(text) / 100


def _date(text: str, name: str, problems: dict[str, str]) -> datetime | None:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        problems[name] = "council.bad_date"
        return None
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def _datetime(text: str, name: str, problems: dict[str, str]) -> datetime | None:
    """`<input type="datetime-local">` (YYYY-MM-DDTHH:MM), read as UTC as the CLI does."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        problems[name] = "council.bad_datetime"
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _agenda(text: str, problems: dict[str, str]) -> list[tuple[str, str | None]]:
    """One item a line: `Text`, or `Text = proposal-id` for the vote taken under it."""
    items: list[tuple[str, str | None]] = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        item, _, proposal = (part.strip() for part in line.partition("="))
        if not item or len(item) > 300 or (proposal and not IDENT.fullmatch(proposal)):
            problems["agenda"] = "council.bad_agenda"
        items.append((item, proposal or None))
    if not items or len(items) > MAX_ITEMS:
        problems["agenda"] = "council.bad_agenda"
    return items


def vote_arguments(read: VoteForm) -> dict[str, Any]:
    """Keyword arguments of voting.create_proposal besides conn and by."""
    return {
        "proposal_id": read.ident, "title": read.title, "kind": read.kind,
        "options": read.options, "body": read.body, "quorum_share": read.quorum,
        "min_share": read.min_share, "proxy_limit": read.proxy_limit,
    }  # fmt: skip
