"""Use cases of the replenishment side of the supply module (issue 12 parts 4 and 5).

`replay_lmis(path)`: the lost-sales replay of an LMIS report under Enlace's policy and the
max-min baseline in the same run, with the frontier (months of stock, fill rate) of each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from enlace.kernel import errors
from enlace.modules.supply import replay_forecasts, replay_policies
from enlace.modules.supply.lmis import errors_only, read_lmis
from enlace.modules.supply.replay import Panel, replay

BASELINE_KS = (3.0, 4.0, 5.0, 8.0)
ENLACE_TARGETS = (0.80, 0.85, 0.90, 0.95, 0.98, 0.99, 0.995, 0.999)  # rule "fill"
CYCLE_LEVELS = (0.80, 0.85, 0.90, 0.93, 0.95, 0.96, 0.97, 0.98, 0.99, 0.995)  # rule "cycle"
# Enlace's rule: "cycle", one critical fractile for every series (the default: higher fill at
# equal network stock, docs/supply.md), or "fill", each series' z set to reach a fill rate
RULES = ("cycle", "fill")
WARMUP_MONTHS = 3  # the first 3 reported months of each series only feed AMC and forecasts


@dataclass(frozen=True, slots=True)
class ReplaySettings:
    lead_months: int = 0  # the order placed at a month's review arrives before the next month
    review_months: float = 1.0
    shelf_life_months: int = 24
    baseline_ks: Sequence[float] = BASELINE_KS
    baseline_min_gap: float = 2.0  # min = max - 2 x AMC (1, 2, 3 and 6 months for 3, 4, 5, 8)
    targets: Sequence[float] = CYCLE_LEVELS
    forecaster: str = replay_forecasts.MOVING
    rule: str = "cycle"

    def check(self) -> ReplaySettings:
        problems = []
        if not 0 <= self.lead_months <= 6:
            problems.append(("lead time is 0 to 6 months", "--lead-months"))
        if not 1 <= self.shelf_life_months <= 120:
            problems.append(("shelf life is 1 to 120 months", "--shelf-life-months"))
        if any(not 0.5 <= t < 1 for t in self.targets):
            problems.append(("each service-level target is at least 0.5 and below 1", "--targets"))
        if self.rule not in RULES:
            problems.append((f"rule is one of {', '.join(RULES)}", "--rule"))
        if self.forecaster not in replay_forecasts.METHODS:
            known = ", ".join(replay_forecasts.METHODS)
            problems.append((f"forecaster is one of {known}", "--forecaster"))
        if problems:
            raise errors.FhirError(400, [errors.Issue("invalid", m, w) for m, w in problems])
        return self


def read_panel(path: str | Path, shelf_life_months: int = 24) -> tuple[Panel, list[str]]:
    """The replay's panel from an LMIS CSV; bad lines are a 400 naming each (nothing replayed),
    warnings (gaps, stock-out days > 30) are returned to be shown."""
    if not Path(path).is_file():
        raise errors.bad_request(f"{path}: no such file", "--lmis")
    rows, problems = read_lmis(path)
    bad = errors_only(problems)
    if bad:
        issues = [errors.Issue("invalid", p.message, f"line {p.line}, {p.column}") for p in bad]
        raise errors.FhirError(400, issues)
    if not rows:
        raise errors.bad_request(f"{path}: no rows", "--lmis")
    panel = replay_policies.panel_from_rows(rows, shelf_life_months, WARMUP_MONTHS)
    return panel, [str(p) for p in problems]


def replay_frontiers(
    panel: Panel, settings: ReplaySettings, progress: Callable[[int], None] = lambda n: None
) -> dict[str, Any]:
    """Both policies on the same panel, months and assumptions: the frontier points and detail."""
    lead = settings.lead_months
    baseline = []
    for k in settings.baseline_ks:
        rule = replay_policies.max_min(k, max(k - settings.baseline_min_gap, 0.0))
        outcome = replay(panel, rule, WARMUP_MONTHS, lead)
        baseline.append({"policy": f"max-min {k:g}xAMC", "max_months": k, **outcome.as_dict()})
        progress(1)
    enlace = []
    forecaster = (
        None
        if settings.forecaster == replay_forecasts.MOVING
        else replay_forecasts.model_forecaster(settings.forecaster, panel.keys)
    )
    make = replay_policies.enlace_cycle if settings.rule == "cycle" else replay_policies.enlace
    label = "cycle service" if settings.rule == "cycle" else "fill target"
    for target in settings.targets:
        rule = make(
            target,
            forecaster,
            review=settings.review_months,
            lead=float(lead),
            usable_months=float(settings.shelf_life_months),
        )
        outcome = replay(panel, rule, WARMUP_MONTHS, lead)
        enlace.append(
            {"policy": f"enlace {label} {target:g}", "target": target, **outcome.as_dict()}
        )
        progress(1)
    return {
        "enlace": [_point(p) for p in enlace],
        "baseline": [_point(p) for p in baseline],
        "detail": {"enlace": enlace, "baseline": baseline},
        "assumptions": _assumptions(panel, settings),
    }


def _point(detail: dict[str, Any]) -> dict[str, float]:
    return {"months_of_stock": detail["months_of_stock"], "fill_rate": detail["fill_rate"]}


def _assumptions(panel: Panel, settings: ReplaySettings) -> dict[str, Any]:
    return {
        "series": len(panel.keys),
        "warmup_months": WARMUP_MONTHS,
        "lead_months": settings.lead_months,
        "forecaster": settings.forecaster,
        "enlace_rule": settings.rule,
        "review_months": settings.review_months,
        "shelf_life_months": settings.shelf_life_months,
        "baseline_min": f"max - {settings.baseline_min_gap:g} x AMC",
        "initial_stock": "each series' reported stock_initial of its first replayed month",
        "demand": "OpenLMIS adjusted consumption ceil(C x 30 / (30 - X)); whole-month outs imputed",
        "months_of_stock": "mean end-of-month stock on hand / mean monthly demand, network",
        "fill_rate": "units served / units demanded (lost sales)",
    }
