"""User-facing text in Spanish (Mexico), the default, and English.

Each key holds every language side by side, so a missing translation is a failing unit test,
not a surprise in production. Other pages bring their own catalog in the same shape and pass it
to `translator` (or to `render.page(strings=...)`); their keys win over these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime

DEFAULT = "es-MX"
LANGUAGES = ("es-MX", "en")

Catalog = Mapping[str, Mapping[str, str]]  # key -> language -> text
Translator = Callable[[str], str]

STRINGS: dict[str, dict[str, str]] = {
    "lang.switch": {"es-MX": "English", "en": "Español"},
    "page.error.title": {"es-MX": "Algo salió mal", "en": "Something went wrong"},
    "page.error.text": {
        "es-MX": "No pudimos completar tu solicitud. Inténtalo de nuevo en unos minutos.",
        "en": "We could not complete your request. Please try again in a few minutes.",
    },
    "form.expired": {
        "es-MX": "El formulario expiró o no es válido. Inténtalo de nuevo.",
        "en": "The form expired or is not valid. Please try again.",
    },
    "login.title": {"es-MX": "Iniciar sesión", "en": "Sign in"},
    "login.username": {"es-MX": "Usuario", "en": "Username"},
    "login.password": {"es-MX": "Contraseña", "en": "Password"},
    "login.submit": {"es-MX": "Entrar", "en": "Sign in"},
    "login.failed": {
        "es-MX": "Usuario o contraseña incorrectos, o la cuenta está bloqueada temporalmente.",
        "en": "Wrong username or password, or the account is temporarily locked.",
    },
    "login.expired": {
        "es-MX": "Tu inicio de sesión expiró. Vuelve a escribir tu usuario y contraseña.",
        "en": "Your sign-in expired. Please enter your username and password again.",
    },
    "login.signed_out": {"es-MX": "Cerraste tu sesión.", "en": "You are signed out."},
    "totp.title": {"es-MX": "Verificación en dos pasos", "en": "Two-step verification"},
    "totp.help": {
        "es-MX": "Escribe el código de 6 dígitos que muestra tu aplicación de autenticación.",
        "en": "Enter the 6-digit code your authenticator app shows.",
    },
    "totp.code": {"es-MX": "Código", "en": "Code"},
    "totp.submit": {"es-MX": "Verificar", "en": "Verify"},
    "totp.failed": {
        "es-MX": "El código no es válido o ya se usó. Espera el siguiente código e inténtalo de nuevo.",
        "en": "The code is not valid or was already used. Wait for the next code and try again.",
    },
    "account.title": {"es-MX": "Mi cuenta", "en": "My account"},
    "account.welcome": {"es-MX": "Sesión iniciada como", "en": "Signed in as"},
    "account.name": {"es-MX": "Nombre", "en": "Name"},
    "account.username": {"es-MX": "Usuario", "en": "Username"},
    "account.role": {"es-MX": "Rol", "en": "Role"},
    "account.organization": {"es-MX": "Organización", "en": "Organization"},
    "account.fhir_user": {"es-MX": "Registro FHIR", "en": "FHIR record"},
    "account.totp": {"es-MX": "Verificación en dos pasos", "en": "Two-step verification"},
    "account.totp_on": {"es-MX": "Activada", "en": "On"},
    "account.totp_off": {"es-MX": "Desactivada", "en": "Off"},
    "account.none": {"es-MX": "—", "en": "—"},
    "account.password_link": {"es-MX": "Cambiar contraseña", "en": "Change password"},
    "account.sessions_link": {"es-MX": "Sesiones activas", "en": "Active sessions"},
    "account.last_change": {
        "es-MX": "Último cambio de contraseña o verificación",
        "en": "Last password or verification change",
    },
    "account.changed_notice": {
        "es-MX": "Tu contraseña o tu verificación en dos pasos se cambió el {when}. Si no fuiste "
        "tú, avisa de inmediato a la administración de tu red.",
        "en": "Your password or two-step verification was changed on {when}. If it was not "
        "you, tell your network's administrators at once.",
    },
    "account.continue": {"es-MX": "Continuar", "en": "Continue"},
    "logout.submit": {"es-MX": "Cerrar sesión", "en": "Sign out"},
    "role.patient": {"es-MX": "Paciente", "en": "Patient"},
    "role.caregiver": {"es-MX": "Cuidador(a)", "en": "Caregiver"},
    "role.physician": {"es-MX": "Médico(a)", "en": "Physician"},
    "role.nurse": {"es-MX": "Enfermería", "en": "Nurse"},
    "role.chw": {"es-MX": "Promotor(a) de salud", "en": "Community health worker"},
    "role.pharmacist": {"es-MX": "Farmacéutico(a)", "en": "Pharmacist"},
    "role.payer": {"es-MX": "Aseguradora o pagador", "en": "Payer"},
    "role.analyst": {"es-MX": "Analista de salud pública", "en": "Public health analyst"},
    "role.regulator": {"es-MX": "Autoridad reguladora", "en": "Regulator"},
    "role.coordinator": {"es-MX": "Coordinación de atención", "en": "Care coordinator"},
    "role.administrator": {"es-MX": "Administrador(a) de la red", "en": "Network administrator"},
}


# Month abbreviations for dates written the way each language writes them (no locale database:
# the server's locales are not ours to rely on).
MONTHS = {
    "es-MX": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def pair(es: str, en: str) -> dict[str, str]:
    """One catalog entry: Spanish (es-MX) first, English second."""
    return {"es-MX": es, "en": en}


def extend(catalog: Catalog) -> None:
    """Adds a page module's strings to the shared catalog (idempotent: a page module calls it
    each time its routes are registered). A key may not change meaning once added."""
    for key, texts in catalog.items():
        known = STRINGS.get(key)
        if known is not None and known != dict(texts):
            raise ValueError(f"i18n key {key!r} is already defined differently")
        STRINGS[key] = dict(texts)


def format_date(day: date, lang: str) -> str:
    """`5 mar 2024` in Spanish, `Mar 5, 2024` in English."""
    month = MONTHS.get(lang, MONTHS[DEFAULT])[day.month - 1]
    return f"{day.day} {month} {day.year}" if lang == DEFAULT else f"{month} {day.day}, {day.year}"


def format_day_month(day: date, lang: str) -> str:
    month = MONTHS.get(lang, MONTHS[DEFAULT])[day.month - 1]
    return f"{day.day} {month}" if lang == DEFAULT else f"{month} {day.day}"


def format_month(day: date, lang: str) -> str:
    return f"{MONTHS.get(lang, MONTHS[DEFAULT])[day.month - 1]} {day.year}"


def format_datetime(when: date | datetime, lang: str) -> str:
    """The date, and the time of day as recorded when there is one (midnight means a date)."""
    text = format_date(when, lang)
    if isinstance(when, datetime) and (when.hour, when.minute) != (0, 0):
        text += f" {when.hour:02d}:{when.minute:02d}"
    return text


def normalize(tag: str | None) -> str | None:
    """A supported language for a tag (`en`, `en-US` → `en`; `es`, `es-AR` → `es-MX`), or None."""
    if not tag:
        return None
    primary = tag.strip().lower().split("-")[0]
    return {"es": "es-MX", "en": "en"}.get(primary)


def pick_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """`?lang=` first, then the remembered choice, then the browser's preference, then es-MX."""
    return normalize(query) or normalize(cookie) or _from_header(accept_language) or DEFAULT


def other_language(lang: str) -> str:
    return "en" if lang == DEFAULT else DEFAULT


def translator(lang: str, extra: Catalog | None = None) -> Translator:
    def t(key: str) -> str:
        entry = (extra or {}).get(key) or STRINGS.get(key)
        if entry is None:
            return key  # a visible key is a bug to fix, not a crashed page
        return entry.get(lang) or entry[DEFAULT]

    return t


def _from_header(header: str | None) -> str | None:
    """The supported language the Accept-Language header ranks highest."""
    best: tuple[float, str] | None = None
    for part in (header or "").split(","):
        tag, _, params = part.partition(";")
        lang = normalize(tag)
        if lang is None:
            continue
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if weight > 0 and (best is None or weight > best[0]):
            best = (weight, lang)
    return None if best is None else best[1]
