"""Patient message templates: Spanish (es-MX) first, English second.

Each template is also a WhatsApp Business template: outside the 24-hour customer-service window
WhatsApp only lets a business send approved templates, and reminders must be in the "utility"
category (marketing templates need other consent). `whatsapp_name` is the name the template is
approved under in the business account; `whatsapp_category` what it was approved as. A template
with no approved name cannot go on WhatsApp outside the window.

Texts are short (one SMS segment where possible), name the sender, and say how to stop (BAJA),
as the opt-in promised.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from enlace.kernel import errors


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    kind: str  # adherence | care | other: frequency caps count per kind
    es: str
    en: str
    whatsapp_name: str | None = None
    whatsapp_category: str | None = None  # utility | marketing | authentication
    # Legally required (the confirmation of an opt-out): sent despite the opt-out it confirms
    # and outside quiet hours, once; every other check still applies (a channel to send on).
    required: bool = False

    def fields(self) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.es) if name}


_STOP_ES = " Responde BAJA para no recibir más mensajes."
_STOP_EN = " Reply STOP (BAJA) to opt out."

TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "refill-reminder",
            "adherence",
            "{sender}: {name}, tu {medicine} se termina el {due}. Pasa a surtirlo a {pharmacy}."
            + _STOP_ES,
            "{sender}: {name}, your {medicine} runs out on {due}. Please refill it at {pharmacy}."
            + _STOP_EN,
            whatsapp_name="enlace_refill_reminder_v1",
            whatsapp_category="utility",
        ),
        Template(
            "dose-reminder",
            "adherence",
            "{sender}: {name}, recuerda tomar tu {medicine} hoy como te lo indicaron." + _STOP_ES,
            "{sender}: {name}, remember to take your {medicine} today as prescribed." + _STOP_EN,
            whatsapp_name="enlace_dose_reminder_v1",
            whatsapp_category="utility",
        ),
        Template(
            "auto-refill-offer",
            "adherence",
            "{sender}: {name}, podemos surtir tu {medicine} automáticamente y llevarlo a tu "
            "casa sin costo de envío. Responde SI para activarlo." + _STOP_ES,
            "{sender}: {name}, we can refill your {medicine} automatically and deliver it to "
            "your home at no delivery cost. Reply YES (SI) to turn it on." + _STOP_EN,
            whatsapp_name="enlace_auto_refill_offer_v1",
            whatsapp_category="utility",
        ),
        Template(
            "copay-assistance",
            "adherence",
            "{sender}: {name}, si el costo de tu {medicine} es un problema, puedes pagar "
            "{fee} según tu ingreso o usar tu monedero familiar. Responde AYUDA." + _STOP_ES,
            "{sender}: {name}, if the cost of your {medicine} is a problem, you can pay "
            "{fee} based on your income or use your family wallet. Reply HELP (AYUDA)." + _STOP_EN,
            whatsapp_name="enlace_copay_assistance_v1",
            whatsapp_category="utility",
        ),
        Template(
            "reading-reminder",
            "care",
            "{sender}: {name}, ¿cuánto salió tu {measure} hoy? Responde por ejemplo {example}."
            + _STOP_ES,
            "{sender}: {name}, what was your {measure} today? Reply for example {example}."
            + _STOP_EN,
            whatsapp_name="enlace_reading_reminder_v1",
            whatsapp_category="utility",
        ),
        Template(  # an education item (modules/education, its own caps per kind)
            "education-item",
            "education",
            "{sender}: {lesson_es} {link}" + _STOP_ES,
            "{sender}: {lesson_en} {link}" + _STOP_EN,
            whatsapp_name="enlace_education_item_v1",
            whatsapp_category="utility",
        ),
        # The answer to a text the patient sent (issue 16, inbound.py): free text within the
        # conversation the patient opened (on WhatsApp, inside the 24-hour window).
        Template("sms-reply", "reply", "{text}", "{text}"),
        Template(
            "opt-out-confirmation",
            "reply",
            "{sender}: ya no recibirás mensajes. Para volver a recibirlos responde ALTA.",
            "{sender}: you will not receive more messages. Reply ALTA (START) to opt back in.",
            required=True,
        ),
    )
}


def template(name: str) -> Template:
    found = TEMPLATES.get(name)
    if found is None:
        raise errors.bad_request(
            f"Unknown message template '{name}' (known: {', '.join(sorted(TEMPLATES))})",
            "template",
        )
    return found


def render(name: str, params: dict[str, str], language: str = "es-MX") -> str:
    """The template's text in the language (es-MX unless it starts with "en"), every field
    filled; a missing field is a 400 naming it (never a message with a hole in it)."""
    chosen = template(name)
    missing = sorted(chosen.fields() - params.keys())
    if missing:
        raise errors.bad_request(
            f"Template '{name}' needs {', '.join(missing)}", f"params.{missing[0]}"
        )
    text = chosen.en if language.lower().startswith("en") else chosen.es
    return text.format(**params)
