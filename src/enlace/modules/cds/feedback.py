"""`POST /cds-services/{id}/feedback` (CDS Hooks 2.0 §Feedback): each item names a card this
service issued, the outcome (accepted with the suggestions taken, or overridden with a reason)
and when. All items are checked before any is stored: one bad item stores nothing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.kernel.errors import Issue

from . import hooks
from .tables import cds_cards, cds_feedback

OUTCOMES = ("accepted", "overridden")


def record_feedback(services: Any, service_id: str, body: Any) -> int:
    svc = hooks.service(service_id)
    items = body.get("feedback") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise errors.bad_request("feedback is a non-empty list", "feedback")
    issues: list[Issue] = []
    rows = [_row(svc.id, n, item, issues) for n, item in enumerate(items)]
    if issues:
        raise errors.FhirError(400, issues)
    now = epoch_us(services.repo.clock())
    with services.db.begin() as conn:
        wanted = {r["card_uuid"] for r in rows}
        known = set(
            conn.scalars(
                select(cds_cards.c.uuid).where(
                    cds_cards.c.uuid.in_(wanted), cds_cards.c.service == svc.id
                )
            )
        )
        unknown = [n for n, r in enumerate(rows) if r["card_uuid"] not in known]
        if unknown:
            raise errors.FhirError(
                404,
                [
                    Issue(
                        "not-found",
                        f"no card {rows[n]['card_uuid']} from {svc.id}",
                        f"feedback[{n}].card",
                    )
                    for n in unknown
                ],
            )
        conn.execute(insert(cds_feedback), [{**r, "received_us": now} for r in rows])
    return len(rows)


def _row(service_id: str, n: int, item: Any, issues: list[Issue]) -> dict[str, Any]:
    where = f"feedback[{n}]"
    if not isinstance(item, dict):
        issues.append(Issue("invalid", "each feedback item is an object", where))
        return {}
    card = item.get("card")
    if not isinstance(card, str) or not hooks.UUID.fullmatch(card):
        issues.append(Issue("invalid", "card is the uuid of a card", f"{where}.card"))
    outcome = item.get("outcome")
    if outcome not in OUTCOMES:
        issues.append(Issue("invalid", "outcome is accepted or overridden", f"{where}.outcome"))
    accepted = _accepted(item.get("acceptedSuggestions"), outcome, where, issues)
    code, comment = _override(item.get("overrideReason"), outcome, where, issues)
    moment = _instant(item.get("outcomeTimestamp"), f"{where}.outcomeTimestamp", issues)
    return {
        "card_uuid": card,
        "service": service_id,
        "outcome": outcome,
        "accepted_suggestions": json.dumps(accepted),
        "override_code": code,
        "override_comment": comment,
        "outcome_us": moment,
    }


def _accepted(value: Any, outcome: Any, where: str, issues: list[Issue]) -> list[str]:
    if value is None:
        if outcome == "accepted":
            issues.append(
                Issue(
                    "required",
                    "an accepted card names the suggestions taken",
                    f"{where}.acceptedSuggestions",
                )
            )
        return []
    ids = [s.get("id") for s in value if isinstance(s, dict)] if isinstance(value, list) else []
    if (
        not ids
        or len(ids) != len(value)
        or not all(isinstance(i, str) and hooks.UUID.fullmatch(i) for i in ids)
    ):
        issues.append(
            Issue(
                "invalid",
                "acceptedSuggestions is a list of {id: suggestion uuid}",
                f"{where}.acceptedSuggestions",
            )
        )
        return []
    if outcome == "overridden":
        issues.append(
            Issue(
                "invalid",
                "an overridden card accepts no suggestion",
                f"{where}.acceptedSuggestions",
            )
        )
    return [str(i) for i in ids]


def _override(
    value: Any, outcome: Any, where: str, issues: list[Issue]
) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    path = f"{where}.overrideReason"
    if outcome != "overridden" or not isinstance(value, dict):
        issues.append(Issue("invalid", "overrideReason goes with an overridden outcome", path))
        return None, None
    reason = value.get("reason")
    code = reason.get("code") if isinstance(reason, dict) else None
    comment = value.get("userComment")
    if reason is not None and not isinstance(code, str):
        issues.append(Issue("invalid", "reason is a Coding with a code", f"{path}.reason"))
    if comment is not None and (not isinstance(comment, str) or len(comment) > 2000):
        issues.append(
            Issue(
                "invalid", "userComment is text of at most 2000 characters", f"{path}.userComment"
            )
        )
    return (code if isinstance(code, str) else None), (
        comment if isinstance(comment, str) else None
    )


def _instant(value: Any, where: str, issues: list[Issue]) -> int:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if value is None or moment is None or moment.tzinfo is None:
        issues.append(Issue("invalid", "outcomeTimestamp is an instant with a time zone", where))
        return 0
    return epoch_us(moment)
