"""The order checks of `order-select` and `order-sign`: pure functions from the draft orders and
what the record says about the patient to `Finding`s (cards are made from them in cards.py).

Every check looks at the drafts only: an interaction or a duplicate between two orders that are
both already active was signed before and is not this prescriber's decision now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .knowledge import INTERACTIONS, Interaction, Source, Text, matches
from .orders import Order
from .rules_data import PREGNANCY_RULES, RENAL_RULES

DUPLICATE_SOURCE = Source("WHO ATC/DDD index: same chemical subgroup (ATC level 4)")


@dataclass(frozen=True)
class Measurement:
    value: float
    when: date | None


@dataclass(frozen=True)
class PatientFacts:
    patient_id: str
    active: tuple[Order, ...]
    egfr: Measurement | None = None
    pregnant: bool = False
    allergies: tuple[tuple[str, str], ...] = ()  # (ATC prefix, display)


@dataclass(frozen=True)
class Finding:
    kind: str  # interaction | duplicate | renal | pregnancy | allergy | coverage
    key: str  # the rule's key, stable for tests and feedback analysis
    indicator: str  # info | warning | critical
    summary: Text
    detail: Text
    source: Source
    draft: Order
    others: tuple[Order, ...] = ()
    replacement: str | None = None  # catalog slug that would replace the draft


def check_orders(drafts: tuple[Order, ...], facts: PatientFacts) -> list[Finding]:
    found: list[Finding] = []
    found += interactions(drafts, facts.active)
    found += duplicates(drafts, facts.active)
    found += renal(drafts, facts.egfr)
    found += pregnancy(drafts, facts.pregnant)
    found += allergies(drafts, facts.allergies)
    return found


def interactions(drafts: tuple[Order, ...], active: tuple[Order, ...]) -> list[Finding]:
    found = []
    everything = active + drafts
    for draft in drafts:
        for rule in INTERACTIONS:
            partners = _partners(rule, draft, everything)
            if partners is not None:
                found.append(_interaction_finding(rule, draft, partners))
    return found


REPLACE_STATIN = {
    "simvastatin-cyp3a4": "pravastatin-20-tab",
    "atorvastatin-cyp3a4": "pravastatin-20-tab",
}


def _partners(
    rule: Interaction, draft: Order, everything: tuple[Order, ...]
) -> tuple[Order, ...] | None:
    """The other orders that make the draft part of the rule's combination, or None."""
    if draft.atc is None:
        return None
    groups = [rule.first, rule.second] + ([rule.third] if rule.third else [])
    mine = [g for g in groups if matches(draft.atc, g)]
    if not mine:
        return None
    others = [o for o in everything if o.reference != draft.reference and o.atc]
    for own in mine:
        partners: list[Order] = []
        for group in groups:
            if group is own:
                continue
            partner = next((o for o in others if matches(o.atc or "", group)), None)
            if partner is None:
                break
            partners.append(partner)
        else:
            return tuple(partners)
    return None


def _interaction_finding(rule: Interaction, draft: Order, partners: tuple[Order, ...]) -> Finding:
    names = ", ".join(p.display for p in partners)
    detail = Text(
        f"{draft.display} + {names}. {rule.mechanism.es} **Qué hacer:** {rule.management.es}",
        f"{draft.display} + {names}. {rule.mechanism.en} **What to do:** {rule.management.en}",
    )
    replaces_draft = draft.atc is not None and matches(draft.atc, rule.first)
    replacement = REPLACE_STATIN.get(rule.key) if replaces_draft else None
    return Finding(
        "interaction",
        rule.key,
        rule.indicator,
        rule.summary,
        detail,
        rule.source,
        draft,
        partners,
        replacement,
    )


def duplicates(drafts: tuple[Order, ...], active: tuple[Order, ...]) -> list[Finding]:
    """Same ATC level 4 (chemical subgroup, five characters) as another order."""
    found = []
    everything = active + drafts
    for draft in drafts:
        if draft.atc is None or len(draft.atc) < 5:
            continue
        same = tuple(
            o
            for o in everything
            if o.reference != draft.reference and o.atc and o.atc[:5] == draft.atc[:5]
        )
        if not same:
            continue
        names = ", ".join(o.display for o in same)
        found.append(
            Finding(
                "duplicate",
                f"duplicate-{draft.atc[:5]}",
                "warning",
                Text(
                    f"Duplicidad terapéutica: {draft.display} y {names}"[:140],
                    f"Duplicate therapy: {draft.display} and {names}"[:140],
                ),
                Text(
                    f"Mismo subgrupo ATC {draft.atc[:5]}: ¿sustituye o se suma? Si sustituye, "
                    "suspenda la orden anterior.",
                    f"Same ATC subgroup {draft.atc[:5]}: replacing or adding? If replacing, stop "
                    "the earlier order.",
                ),
                DUPLICATE_SOURCE,
                draft,
                same,
            )
        )
    return found


def renal(drafts: tuple[Order, ...], egfr: Measurement | None) -> list[Finding]:
    if egfr is None:
        return []
    found = []
    for draft in drafts:
        for rule in RENAL_RULES:
            if draft.atc is None or not matches(draft.atc, rule.atc):
                continue
            if not rule.at_least <= egfr.value < rule.below:
                continue
            if rule.max_mg_day is not None and rule.ingredient is not None:
                daily = draft.daily_mg.get(rule.ingredient)
                if daily is None or daily <= rule.max_mg_day:
                    continue
            found.append(
                _renal_finding(rule.key, rule.indicator, rule.advice, rule.source, draft, egfr)
            )
    return found


def _renal_finding(
    key: str, indicator: str, advice: Text, source: Source, draft: Order, egfr: Measurement
) -> Finding:
    when = egfr.when.isoformat() if egfr.when else "?"
    dose = ", ".join(f"{name} {mg:,.0f} mg/día" for name, mg in draft.daily_mg.items())
    detail = Text(
        f"Última TFGe: {egfr.value:g} mL/min/1.73 m² ({when}). {draft.display} {dose}".strip(),
        f"Latest eGFR: {egfr.value:g} mL/min/1.73 m² ({when}). {draft.display} "
        + dose.replace("/día", "/day"),
    )
    replacement = "metformin-500-tab" if key == "metformin-30-44" else None
    return Finding("renal", key, indicator, advice, detail, source, draft, (), replacement)


def pregnancy(drafts: tuple[Order, ...], pregnant: bool) -> list[Finding]:
    if not pregnant:
        return []
    return [
        Finding(
            "pregnancy",
            rule.key,
            rule.indicator,
            rule.advice,
            Text(
                f"Embarazo activo en el expediente; orden: {draft.display}.",
                f"Active pregnancy on record; order: {draft.display}.",
            ),
            rule.source,
            draft,
        )
        for draft in drafts
        for rule in PREGNANCY_RULES
        if draft.atc is not None and matches(draft.atc, rule.atc)
    ]


def allergies(drafts: tuple[Order, ...], recorded: tuple[tuple[str, str], ...]) -> list[Finding]:
    return [
        Finding(
            "allergy",
            f"allergy-{prefix}",
            "critical",
            Text(
                f"Alergia registrada: {what} ({draft.display})"[:140],
                f"Recorded allergy: {what} ({draft.display})"[:140],
            ),
            Text(
                f"AllergyIntolerance activa con código ATC {prefix}.",
                f"Active AllergyIntolerance coded ATC {prefix}.",
            ),
            Source("Patient record (AllergyIntolerance)"),
            draft,
        )
        for draft in drafts
        for prefix, what in recorded
        if draft.atc is not None and draft.atc.startswith(prefix)
    ]
