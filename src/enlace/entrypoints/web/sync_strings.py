"""Strings of the offline-capture conflict review (/sync/review): Spanish (es-MX) first, English
second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.sync_review": pair("Conflictos de captura", "Capture conflicts"),
    "sync.title": pair("Conflictos de captura sin conexión", "Offline capture conflicts"),
    "sync.intro": pair(
        "Dos dispositivos editaron a la misma persona a partir de la misma versión. Se conservó "
        "el valor del servidor y la edición del dispositivo quedó en el historial. Elija, campo "
        "por campo, qué valor queda.",
        "Two devices edited the same person from the same version. The server's value was kept "
        "and the device's edit is in the history. Choose, field by field, which value stays.",
    ),
    "sync.none": pair("No hay conflictos abiertos.", "No open conflicts."),
    "sync.patient": pair("Persona", "Person"),
    "sync.device": pair("Dispositivo", "Device"),
    "sync.versions": pair("Versiones", "Versions"),
    "sync.field": pair("Campo", "Field"),
    "sync.base": pair("Antes de ambas ediciones", "Before both edits"),
    "sync.server": pair("Servidor", "Server"),
    "sync.from_device": pair("Dispositivo", "Device"),
    "sync.absent": pair("(vacío)", "(empty)"),
    "sync.resolve": pair("Guardar la elección", "Save the choice"),
    "sync.bad_input": pair(
        "La solicitud no es válida: el conflicto no existe, ya se resolvió o falta elegir "
        "algún campo.",
        "The request is not valid: the conflict does not exist, is already resolved or a field "
        "was not chosen.",
    ),
}
