"""Who has a phone and how they answer (issue 16 part 5): pure by seed and person, so the
engagement actor and the pharmacy's fills (supply_fills) see the same traits. Shares and the
refill effect are assumptions (docs/simulation.md, "Engagement")."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from enlace.sim.actor import World
from enlace.sim.phone import Persona

NAME = "engagement"
ZONE = ZoneInfo("America/Mexico_City")
# Assumed shares among adults in care (ENDUTIH 2023 puts smartphone use near 80% of people
# aged 6+, lower in older adults with chronic disease): smartphone 60%, SMS-only 30%, none 10%.
SMARTPHONE, SMS_ONLY = 0.60, 0.30


def phone_kind(world: World, index: int) -> str | None:
    """'app', 'sms' or None (no phone), the same for a person in every run."""
    draw = world.rng(NAME, "phone", index).random()
    if draw < SMARTPHONE:
        return "app"
    return "sms" if draw < SMARTPHONE + SMS_ONLY else None


def number_of(world: World, index: int) -> str:
    return f"+5255{(world.seed * 7919 + index) % 100_000_000:08d}"


def persona_for(world: World, index: int) -> Persona:
    latent = world.people[index].latent
    return Persona(
        number_of(world, index),
        responsiveness=latent.reminder_responsiveness,
        adherence=latent.adherence_propensity,
    )


def refill_boost(world: World, index: int) -> float:
    """Modest added chance of collecting a due fill for a person with a phone (assumption: up to
    +0.10, in proportion to responsiveness; reminders help people who read them)."""
    if phone_kind(world, index) is None:
        return 0.0
    return 0.10 * world.people[index].latent.reminder_responsiveness
