"""The vote kinds and what a valid choice is for each; a bad choice is a 400 naming the field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from enlace.kernel import errors
from enlace.modules.voting.tally import PROPOSAL_OPTIONS

KINDS = ("proposal", "single", "multiple", "ranked", "score")
SCORE_RANGE = (0, 5)


def options_for(kind: str, options: Sequence[str]) -> list[str]:
    if kind not in KINDS:
        raise errors.bad_request(f"unknown vote kind {kind!r}; one of {', '.join(KINDS)}", "kind")
    if kind == "proposal":
        return list(PROPOSAL_OPTIONS)
    if len(options) < 2 or len(set(options)) != len(options):
        raise errors.bad_request("a vote needs two or more distinct options", "options")
    return list(options)


def check_choice(kind: str, options: Sequence[str], choice: Any) -> Any:
    """The choice in canonical form (so equal choices hash equally), or a 400."""
    if kind in ("proposal", "single"):
        if not isinstance(choice, str) or choice not in options:
            raise errors.bad_request(f"choose one of {', '.join(options)}", "choice")
        return choice
    if kind in ("multiple", "ranked"):
        picked = list(choice) if isinstance(choice, list | tuple) else None
        if not picked or len(set(picked)) != len(picked) or not set(picked) <= set(options):
            raise errors.bad_request("list distinct options from the ballot", "choice")
        return sorted(picked) if kind == "multiple" else picked
    return _check_scores(options, choice)


def _check_scores(options: Sequence[str], choice: Any) -> dict[str, int]:
    low, high = SCORE_RANGE
    if not isinstance(choice, dict) or set(choice) != set(options):
        raise errors.bad_request("score every option on the ballot", "choice")
    for option, score in choice.items():
        if not isinstance(score, int) or isinstance(score, bool) or not low <= score <= high:
            raise errors.bad_request(f"score {low}..{high}", f"choice.{option}")
    return {option: choice[option] for option in options}
