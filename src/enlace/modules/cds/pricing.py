"""The formulary card: each draft for a catalog medicine checked against the patient's coverage
(enlace.modules.coverage, one fill): not covered, prior authorization, or a patient cost; a
covered alternative (same ATC level 4) offered as "replace with", with its own patient cost."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from sqlalchemy import Connection

from enlace.modules import coverage
from enlace.modules.catalog import medicine_by_slug

from .cards import Card, cancel_suggestion, card, pesos, replace_suggestion
from .knowledge import Source, Text
from .orders import Order

SOURCE = Source("Enlace: cobertura al ordenar / coverage at order")


def coverage_cards(
    services: Any,
    conn: Connection,
    drafts: tuple[Order, ...],
    coverage_id: str | None,
    today: date,
    lang: str,
) -> list[tuple[str, Card]]:
    made = []
    for draft in drafts:
        if draft.medicine is None:
            continue
        packs = _packs(draft)
        if coverage_id is None:
            cash = packs * draft.medicine.price_centavos
            summary = Text(
                f"Sin cobertura registrada: el paciente paga {pesos(cash)} por surtido",
                f"No coverage on record: the patient pays {pesos(cash)} a fill",
            )
            made.append(("coverage", card(summary, "info", summary, SOURCE, lang)))
            continue
        found = _check(services, conn, coverage_id, draft.medicine.slug, packs, today)
        answer = _card(services, conn, draft, coverage_id, found, packs, today, lang)
        if answer is not None:
            made.append(("coverage", answer))
    return made


def _packs(draft: Order) -> int:
    units = ((draft.resource.get("dispenseRequest") or {}).get("quantity") or {}).get("value")
    size = draft.medicine.pack_size if draft.medicine else 1
    return max(math.ceil(units / size), 1) if isinstance(units, int) and units > 0 else 1


def _check(
    services: Any, conn: Connection, coverage_id: str, slug: str, packs: int, today: date
) -> Any:
    result = coverage.check(services, conn, coverage_id, [coverage.item(slug, packs)], today)
    return result.items[0]


def _card(
    services: Any,
    conn: Connection,
    draft: Order,
    coverage_id: str,
    found: Any,
    packs: int,
    today: date,
    lang: str,
) -> Card | None:
    cost = pesos(found.patient_centavos if found.covered else found.amount_centavos)
    if found.covered and not found.prior_authorization:
        if found.patient_centavos == 0:
            return None  # covered and free at the counter: nothing to say
        text = Text(
            f"Cubierto (nivel {found.tier}): el paciente paga {cost} por surtido",
            f"Covered (tier {found.tier}): the patient pays {cost} a fill",
        )
        return card(text, "info", text, SOURCE, lang)
    if found.covered:
        text = Text(
            f"{draft.display}: requiere autorización previa del plan",
            f"{draft.display}: the plan requires prior authorization",
        )
        return card(text, "warning", text, SOURCE, lang)
    return _not_covered(services, conn, draft, coverage_id, found, cost, packs, today, lang)


def _not_covered(
    services: Any,
    conn: Connection,
    draft: Order,
    coverage_id: str,
    found: Any,
    cost: str,
    packs: int,
    today: date,
    lang: str,
) -> Card:
    reason = str(found.reason) if found.reason else "not-covered"
    suggestions = []
    detail = Text(
        f"{draft.display} no está cubierto ({reason}): el paciente pagaría {cost}.",
        f"{draft.display} is not covered ({reason}): the patient would pay {cost}.",
    )
    if found.alternative is not None:
        slug = found.alternative.slug
        other = _check(services, conn, coverage_id, slug, packs, today)
        other_cost = pesos(other.patient_centavos if other.covered else other.amount_centavos)
        known = medicine_by_slug(slug)
        name = known.display if known else slug
        detail = Text(
            f"{detail.es} Alternativa cubierta: {name}, el paciente paga {other_cost}.",
            f"{detail.en} Covered alternative: {name}, the patient pays {other_cost}.",
        )
        replaced = replace_suggestion(draft, slug, lang)
        if replaced is not None:
            suggestions.append(replaced)
    suggestions.append(cancel_suggestion(draft, lang))
    summary = Text(
        f"No cubierto: el paciente pagaría {cost} por {draft.display}",
        f"Not covered: the patient would pay {cost} for {draft.display}",
    )
    return card(summary, "warning", detail, SOURCE, lang, suggestions)
