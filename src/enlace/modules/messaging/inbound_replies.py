"""What we answer a patient's text, in plain Spanish (es-MX) first and English second (pure).

Readings are judged against the patient's own targets (their care-target Goals, or the usual
ones) and alert limits (the monitoring thresholds, from their alert-limit Goals); when the
monitoring rules opened an alert the answer says the care team was told and what to do now.
"""

from __future__ import annotations

from enlace.modules.monitoring.self_reports import Recorded

from .keywords import SelfReading

EXAMPLES_ES = "GLU 120, PA 130/80 o PESO 70"
EXAMPLES_EN = "GLU 120, PA 130/80 or PESO 70"

TEXTS: dict[str, tuple[str, str]] = {
    "ask-again": (
        "No entendimos tu mensaje. Responde TOMÉ si tomaste tu medicina, NO si no la tomaste, "
        "CITA, AYUDA, o envía tu medición así: " + EXAMPLES_ES + ".",
        "We did not understand your message. Reply TOMÉ if you took your medicine, NO if you "
        "did not, CITA, AYUDA, or send your reading like this: " + EXAMPLES_EN + ".",
    ),
    "implausible": (
        "El valor «{said}» no parece correcto y no lo guardamos. Revisa y envíalo de nuevo, "
        "por ejemplo: {example}.",
        "The value '{said}' does not look right and was not saved. Please check and send it "
        "again, for example: {example}.",
    ),
    "reading-limit": (
        "Recibimos más de {limit} mediciones por mensaje en la última hora: esta no se guardó. "
        "Si te sientes mal, llama a tu clínica o al 911.",
        "We received more than {limit} readings by text in the last hour: this one was not "
        "saved. If you feel unwell, call your clinic or 911.",
    ),
    "confirm-unit": (
        "¿Tu glucosa fue {note}? Responde SI para guardarla así, o envíala de nuevo con la "
        "unidad, por ejemplo: GLU 135 mg/dl.",
        "Was your glucose {note}? Reply SI to save it, or send it again with the unit, for "
        "example: GLU 135 mg/dl.",
    ),
    "nothing-to-confirm": (
        "No tenemos nada pendiente de confirmar. Envía tu medición, por ejemplo: "
        + EXAMPLES_ES
        + ".",
        "There is nothing to confirm. Send your reading, for example: " + EXAMPLES_EN + ".",
    ),
    "taken": (
        "Gracias, anotamos tu dosis de hoy. ¡Sigue así!",
        "Thank you, today's dose is recorded. Keep it up!",
    ),
    "why-missed": (
        "Anotamos que no tomaste tu medicina. ¿Por qué? Responde NO 1 si se te olvidó, "
        "NO 2 si te cayó mal, NO 3 si no tienes medicina, NO 4 si es por el costo.",
        "We noted you did not take your medicine. Why? Reply NO 1 if you forgot, NO 2 if it "
        "made you feel bad, NO 3 if you have none left, NO 4 if it is the cost.",
    ),
    "missed-forgot": (
        "Gracias. Un truco: deja tu medicina junto al cepillo de dientes. Te lo recordaremos.",
        "Thank you. A tip: keep your medicine next to your toothbrush. We will remind you.",
    ),
    "missed-helped": (
        "Gracias por avisar. Una enfermera de tu clínica te contactará para ayudarte.",
        "Thank you for telling us. A nurse from your clinic will contact you to help.",
    ),
    "appointment": (
        "Tu próxima cita es el {when} ({mode}). Si no puedes ir, llama a tu clínica.",
        "Your next appointment is on {when} ({mode}). If you cannot go, call your clinic.",
    ),
    "offer-slot": (
        "No tienes cita próxima. Hay lugar el {when} ({mode}). Responde AGENDAR para apartarlo.",
        "You have no upcoming appointment. There is a place on {when} ({mode}). Reply AGENDAR "
        "to book it.",
    ),
    "no-slots": (
        "No tienes cita próxima y no hay lugares libres ahora. Tu clínica te llamará.",
        "You have no upcoming appointment and there are no free places now. Your clinic will "
        "call you.",
    ),
    "booked": (
        "Listo: tu cita es el {when} ({mode}).",
        "Done: your appointment is on {when} ({mode}).",
    ),
    "slot-gone": (
        "Ese lugar ya no está disponible. Responde CITA para ver otro.",
        "That place is no longer available. Reply CITA to see another.",
    ),
    "help": (
        "Recibimos tu mensaje. Una enfermera de tu clínica te llamará pronto. Si es una "
        "emergencia llama al 911.",
        "We got your message. A nurse from your clinic will call you soon. If it is an "
        "emergency call 911.",
    ),
    "opted-in": (
        "Listo, volverás a recibir mensajes de tu clínica. Responde BAJA para dejar de recibirlos.",
        "Done, you will receive messages from your clinic again. Reply BAJA to stop.",
    ),
}


def text(key: str, language: str, **fields: str) -> str:
    es, en = TEXTS[key]
    chosen = en if language.lower().startswith("en") else es
    return chosen.format(**fields)


def feedback(reading: SelfReading, recorded: Recorded, language: str) -> str:
    """The answer to a stored reading: conversion made, value against the targets, what to do."""
    english = language.lower().startswith("en")
    parts = []
    if reading.note:
        parts.append(f"Converted {reading.note}." if english else f"Convertimos {reading.note}.")
    judge = {"glucose": _glucose, "bp": _bp, "weight": _weight}[reading.kind]
    parts.append(judge(reading, recorded, english))
    if recorded.alerts:
        parts.append(
            "We told your care team; they will contact you."
            if english
            else "Avisamos a tu equipo de salud; te contactarán."
        )
    return " ".join(parts)


def _n(value: float) -> str:
    return f"{value:g}"


def _glucose(reading: SelfReading, recorded: Recorded, english: bool) -> str:
    value, goal, limits = reading.value, recorded.targets, recorded.limits
    span = f"{_n(goal.glucose_low)}-{_n(goal.glucose_high)}"
    if value < limits.glucose_very_low or value < goal.glucose_low:
        return (
            f"Your glucose is LOW ({_n(value)} mg/dL). Eat or drink something sugary now "
            "(half a glass of juice) and measure again in 15 minutes. If you feel confused or "
            "faint, call 911."
            if english
            else f"Tu glucosa está BAJA ({_n(value)} mg/dL). Come o bebe algo con azúcar ahora "
            "(medio vaso de jugo) y mídela otra vez en 15 minutos. Si te sientes confundido o "
            "te desmayas, llama al 911."
        )
    if value > limits.glucose_high:
        return (
            f"Your glucose is VERY HIGH ({_n(value)} mg/dL; your goal is {span}). Drink water, "
            "take your medicines as prescribed and measure again in 2 hours. If you vomit, are "
            "very thirsty or confused, go to the emergency room."
            if english
            else f"Tu glucosa está MUY ALTA ({_n(value)} mg/dL; tu meta es {span}). Toma agua, "
            "toma tus medicinas como te indicaron y mídela otra vez en 2 horas. Si vomitas, "
            "tienes mucha sed o confusión, ve a urgencias."
        )
    if value > goal.glucose_high:
        return (
            f"Your glucose ({_n(value)} mg/dL) is above your goal of {span}. Watch sweets and "
            "tortillas today and walk 20 minutes."
            if english
            else f"Tu glucosa ({_n(value)} mg/dL) está arriba de tu meta de {span}. Cuida los "
            "dulces y las tortillas hoy y camina 20 minutos."
        )
    return (
        f"Your glucose ({_n(value)} mg/dL) is within your goal of {span}. Well done!"
        if english
        else f"Tu glucosa ({_n(value)} mg/dL) está dentro de tu meta de {span}. ¡Muy bien!"
    )


def _bp(reading: SelfReading, recorded: Recorded, english: bool) -> str:
    sys_, dia = reading.value, reading.value2 or 0.0
    goal, limits = recorded.targets, recorded.limits
    shown = f"{_n(sys_)}/{_n(dia)}"
    target = f"{_n(goal.systolic_high)}/{_n(goal.diastolic_high)}"
    if sys_ > limits.systolic_crisis or dia > limits.diastolic_crisis:
        return (
            f"Your blood pressure is VERY HIGH ({shown}). Sit and rest 5 minutes and measure "
            "again. If you have chest pain, shortness of breath, weakness or trouble speaking, "
            "call 911."
            if english
            else f"Tu presión está MUY ALTA ({shown}). Siéntate, descansa 5 minutos y mídela "
            "otra vez. Si tienes dolor de pecho, falta de aire, debilidad o dificultad para "
            "hablar, llama al 911."
        )
    if sys_ >= goal.systolic_high or dia >= goal.diastolic_high:
        return (
            f"Your blood pressure ({shown}) is above your goal of under {target}. Take your "
            "medicine, use less salt and measure again tomorrow."
            if english
            else f"Tu presión ({shown}) está arriba de tu meta de menos de {target}. Toma tu "
            "medicina, usa menos sal y mídela otra vez mañana."
        )
    return (
        f"Your blood pressure ({shown}) is within your goal of under {target}. Well done!"
        if english
        else f"Tu presión ({shown}) está dentro de tu meta de menos de {target}. ¡Muy bien!"
    )


def _weight(reading: SelfReading, recorded: Recorded, english: bool) -> str:
    if any(a.rule == "hf-weight-gain" for a in recorded.alerts):
        return (
            f"Your weight ({_n(reading.value)} kg) went up more than 2 kg in 3 days. If you are "
            "short of breath or your legs are swollen, go to the emergency room."
            if english
            else f"Tu peso ({_n(reading.value)} kg) subió más de 2 kg en 3 días. Si te falta el "
            "aire o tienes las piernas hinchadas, ve a urgencias."
        )
    return (
        f"We recorded your weight: {_n(reading.value)} kg. Thank you!"
        if english
        else f"Anotamos tu peso: {_n(reading.value)} kg. ¡Gracias!"
    )
