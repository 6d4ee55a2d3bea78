"""A clinic's rank in sentences (es-MX first, English second)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from enlace.modules.analytics.indicators.library import BY_ID

if TYPE_CHECKING:
    from enlace.modules.analytics.indicators.ranking import ClinicRank

_TEXT = {
    "es": {
        "ranked": "Lugar {rank} de {of} ({scope}): puntaje {score:+.2f} puntos sobre lo esperado "
        "por su población.",
        "unranked": "Sin lugar ({scope}): {reason}.",
        "part": "{title}: observado {observed:.1f} % vs esperado {expected:.1f} % "
        "(n = {n:.0f}, peso {weight:.2f}) → aporta {contribution:+.2f}.",
        "skipped": "{title}: no cuenta ({note}).",
        "gain": "Cambio en seis meses: {gain:+.2f} puntos (lugar {rank} en mejora).",
        "no-patients": "sin pacientes",
        "too-few": "menos de {minimum} pacientes",
    },
    "en": {
        "ranked": "Rank {rank} of {of} ({scope}): score {score:+.2f} points above what its case "
        "mix predicts.",
        "unranked": "Not ranked ({scope}): {reason}.",
        "part": "{title}: observed {observed:.1f}% vs expected {expected:.1f}% "
        "(n = {n:.0f}, weight {weight:.2f}) → contributes {contribution:+.2f}.",
        "skipped": "{title}: not counted ({note}).",
        "gain": "Change over six months: {gain:+.2f} points (rank {rank} in improvement).",
        "no-patients": "no patients",
        "too-few": "fewer than {minimum} patients",
    },
}


def sentences(found: ClinicRank, language: str = "es", minimum: int = 20) -> list[str]:
    """`minimum`: the ranking's minimum denominator, named when an indicator did not count."""
    text = _TEXT["en" if language == "en" else "es"]
    lines = []
    if found.score is None or found.rank is None:
        lines.append(text["unranked"].format(scope=found.scope, reason=found.reason))
    else:
        lines.append(text["ranked"].format(rank=found.rank, of=found.of, scope=found.scope,
                                           score=found.score))  # fmt: skip
    for part in found.parts:
        title = BY_ID[part.indicator].title(language)
        if part.contribution is None or part.observed is None or part.expected is None:
            note = text.get(part.note, part.note).format(minimum=minimum)
            lines.append(text["skipped"].format(title=title, note=note))
            continue
        lines.append(text["part"].format(
            title=title, observed=part.observed, expected=part.expected, n=part.denominator,
            weight=part.weight, contribution=part.contribution))  # fmt: skip
    if found.improvement is not None:
        lines.append(text["gain"].format(gain=found.improvement, rank=found.improvement_rank))
    return lines
