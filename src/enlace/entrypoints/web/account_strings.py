"""Text of the own-account pages (password change, sessions, TOTP enrolment): es-MX, then en."""

from __future__ import annotations

from .i18n import pair

STRINGS = {
    "password.title": pair("Cambiar contraseña", "Change password"),
    "password.current": pair("Contraseña actual", "Current password"),
    "password.new": pair("Contraseña nueva", "New password"),
    "password.confirm": pair("Confirma la contraseña nueva", "Confirm the new password"),
    "password.rules": pair(
        "Al menos 12 caracteres; que no sea tu usuario ni una contraseña común. Una frase de "
        "varias palabras es fácil de recordar y difícil de adivinar.",
        "At least 12 characters; not your username nor a common password. A phrase of several "
        "words is easy to remember and hard to guess.",
    ),
    "password.end_others": pair(
        "Cerrar mis otras sesiones y aplicaciones conectadas (recomendado)",
        "Sign out my other sessions and connected apps (recommended)",
    ),
    "password.submit": pair("Cambiar contraseña", "Change password"),
    "password.show": pair("Mostrar contraseñas", "Show passwords"),
    "password.meter": pair("Seguridad de la contraseña nueva", "New password strength"),
    "meter.empty": pair("Escribe una contraseña nueva.", "Type a new password."),
    "meter.fair": pair("Aceptable: cumple las reglas.", "Fair: it meets the rules."),
    "meter.good": pair("Buena.", "Good."),
    "meter.strong": pair("Fuerte.", "Strong."),
    "password.wrong_current": pair(
        "La contraseña actual no es correcta, o la cuenta está bloqueada temporalmente. No se "
        "cambió nada.",
        "The current password is not right, or the account is temporarily locked. Nothing was "
        "changed.",
    ),
    "password.mismatch": pair(
        "La confirmación no coincide con la contraseña nueva. No se cambió nada.",
        "The confirmation does not match the new password. Nothing was changed.",
    ),
    "password.same": pair(
        "La contraseña nueva debe ser distinta de la actual. No se cambió nada.",
        "The new password must differ from the current one. Nothing was changed.",
    ),
    "password.rule.min-length": pair(
        "La contraseña nueva debe tener al menos 12 caracteres.",
        "The new password must have at least 12 characters.",
    ),
    "password.rule.max-length": pair(
        "La contraseña nueva es demasiado larga (máximo 1024 bytes).",
        "The new password is too long (1024 bytes at most).",
    ),
    "password.rule.not-username": pair(
        "La contraseña nueva no puede ser tu usuario.",
        "The new password cannot be your username.",
    ),
    "password.rule.not-common": pair(
        "La contraseña nueva es demasiado común o sencilla.",
        "The new password is too common or simple.",
    ),
    "password.changed": pair("Tu contraseña se cambió.", "Your password was changed."),
    "password.changed_others": pair(
        "Tu contraseña se cambió y se cerraron tus otras sesiones y aplicaciones conectadas.",
        "Your password was changed, and your other sessions and connected apps were signed out.",
    ),
    "sessions.title": pair("Sesiones activas", "Active sessions"),
    "sessions.help": pair(
        "Estas son las sesiones abiertas con tu cuenta. Cierra las que no reconozcas.",
        "These are the sessions open with your account. End any you do not recognise.",
    ),
    "sessions.started": pair("Inicio de sesión", "Signed in"),
    "sessions.last_seen": pair("Última actividad", "Last seen"),
    "sessions.this": pair("Esta sesión", "This session"),
    "sessions.end": pair("Cerrar", "End"),
    "sessions.end_others": pair("Cerrar todas las demás", "End all others"),
    "sessions.password_help": pair(
        "Para cerrar todas las demás sesiones y aplicaciones conectadas, escribe tu contraseña.",
        "To end every other session and connected app, enter your password.",
    ),
    "sessions.not_found": pair(
        "Esa sesión no existe, ya terminó o no es tuya. No se cerró nada.",
        "That session does not exist, has ended or is not yours. Nothing was ended.",
    ),
    "sessions.ended": pair("Se cerraron las sesiones indicadas.", "The sessions were ended."),
    "enrol.title": pair("Activa la verificación en dos pasos", "Turn on two-step verification"),
    "enrol.help": pair(
        "Las cuentas de administración necesitan un segundo factor. Agrega esta clave a tu "
        "aplicación de autenticación y escribe el código de 6 dígitos que muestre.",
        "Administrator accounts need a second factor. Add this key to your authenticator app "
        "and enter the 6-digit code it shows.",
    ),
    "enrol.secret": pair("Clave", "Key"),
    "enrol.uri": pair("Enlace de configuración", "Setup link"),
    "enrol.submit": pair("Activar y entrar", "Turn on and sign in"),
}
