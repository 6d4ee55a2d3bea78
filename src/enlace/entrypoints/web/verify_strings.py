"""The pack verification page's text, es-MX and en (added by verify_pages.register).

Written for a patient holding a pack: what the answer means and what to do, in plain words.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "verify.title": {"es-MX": "Verificación del medicamento", "en": "Medicine verification"},
    "verify.signal.green": {"es-MX": "Verde", "en": "Green"},
    "verify.signal.amber": {"es-MX": "Ámbar", "en": "Amber"},
    "verify.signal.red": {"es-MX": "Rojo", "en": "Red"},
    "verify.signal": {"es-MX": "Señal", "en": "Signal"},
    "verify.authentic.headline": {
        "es-MX": "Auténtico: puede usarse",
        "en": "Authentic: safe to use",
    },
    "verify.authentic.text": {
        "es-MX": "Este empaque fue registrado por su fabricante y pasó por la cadena autorizada. "
        "No está retirado del mercado ni caducado.",
        "en": "This pack was registered by its manufacturer and went through the authorized "
        "chain. It is not recalled and not expired.",
    },
    "verify.already_dispensed.headline": {
        "es-MX": "Auténtico, ya entregado a un paciente",
        "en": "Authentic, already given to a patient",
    },
    "verify.already_dispensed.text": {
        "es-MX": "Si usted lo recibió en su farmacia o unidad de salud, es lo esperado. "
        "Si se lo vendieron como nuevo, no lo use y repórtelo: puede ser un empaque desviado "
        "o una copia.",
        "en": "If you received it at your pharmacy or clinic, this is expected. If it was sold "
        "to you as new, do not use it and report it: it may be a diverted pack or a copy.",
    },
    "verify.recalled.headline": {
        "es-MX": "Retirado del mercado: no lo use",
        "en": "Recalled: do not use it",
    },
    "verify.recalled.text": {
        "es-MX": "La autoridad retiró este lote. Llévelo a su farmacia o unidad de salud para "
        "que se lo cambien.",
        "en": "The regulator recalled this lot. Take it to your pharmacy or clinic to have it "
        "replaced.",
    },
    "verify.expired.headline": {"es-MX": "Caducado: no lo use", "en": "Expired: do not use it"},
    "verify.expired.text": {
        "es-MX": "La fecha de caducidad ya pasó. Llévelo a su farmacia para desecharlo de forma "
        "segura y pida un empaque vigente.",
        "en": "The expiry date has passed. Take it to your pharmacy for safe disposal and ask "
        "for a pack in date.",
    },
    "verify.suspect.headline": {
        "es-MX": "Sospechoso: no lo use",
        "en": "Suspect: do not use it",
    },
    "verify.suspect.text": {
        "es-MX": "Los datos de este empaque no coinciden con los que registró el fabricante, o "
        "fue reportado como robado, destruido o dado de baja. Repórtelo a su farmacia o a "
        "COFEPRIS.",
        "en": "This pack's data do not match what the manufacturer registered, or it was "
        "reported stolen, destroyed or withdrawn. Report it to your pharmacy or to COFEPRIS.",
    },
    "verify.unknown.headline": {
        "es-MX": "No auténtico o desconocido: no lo use",
        "en": "Not authentic or unknown: do not use it",
    },
    "verify.unknown.text": {
        "es-MX": "Este código no corresponde a ningún empaque registrado por un fabricante "
        "autorizado. Puede ser una falsificación. No lo use; guárdelo y repórtelo a su farmacia, "
        "a su unidad de salud o a COFEPRIS.",
        "en": "This code does not match any pack registered by an authorized manufacturer. It "
        "may be counterfeit. Do not use it; keep it and report it to your pharmacy, your clinic "
        "or COFEPRIS.",
    },
    "verify.malformed.title": {
        "es-MX": "El código no se pudo leer",
        "en": "The code could not be read",
    },
    "verify.malformed.text": {
        "es-MX": "El enlace no es un código GS1 válido de un empaque. Vuelva a escanear el "
        "código QR del empaque; si el problema continúa, el código puede estar dañado o ser "
        "falso.",
        "en": "The link is not a valid GS1 code of a pack. Scan the pack's QR code again; if "
        "the problem continues, the code may be damaged or fake.",
    },
    "verify.malformed.reason": {"es-MX": "Motivo técnico", "en": "Technical reason"},
    "verify.facts": {"es-MX": "Datos del empaque", "en": "Pack details"},
    "verify.facts.claimed": {
        "es-MX": "Lo que dice el código (sin confirmar)",
        "en": "What the code claims (not confirmed)",
    },
    "verify.product": {"es-MX": "Medicamento", "en": "Medicine"},
    "verify.product.unlisted": {
        "es-MX": "No está en el cuadro de medicamentos",
        "en": "Not in the formulary",
    },
    "verify.gtin": {"es-MX": "GTIN", "en": "GTIN"},
    "verify.lot": {"es-MX": "Lote", "en": "Lot"},
    "verify.serial": {"es-MX": "Número de serie", "en": "Serial number"},
    "verify.expiry": {"es-MX": "Caducidad", "en": "Expiry"},
    "verify.state": {"es-MX": "Estado actual", "en": "Current state"},
    "verify.custody": {"es-MX": "Último lugar registrado", "en": "Last recorded place"},
    "verify.custody.none": {"es-MX": "Sin registro", "en": "Not recorded"},
    "verify.custody.unauthorized": {
        "es-MX": "fuera de la cadena autorizada",
        "en": "outside the authorized chain",
    },
    "verify.recall": {"es-MX": "Retiro del mercado", "en": "Recall"},
    "verify.recall.none": {"es-MX": "Ninguno", "en": "None"},
    "verify.state.commissioned": {"es-MX": "Registrado por el fabricante", "en": "Registered"},
    "verify.state.in_transit": {"es-MX": "En tránsito", "en": "In transit"},
    "verify.state.at_location": {"es-MX": "En almacén o farmacia", "en": "In stock"},
    "verify.state.dispensed": {"es-MX": "Entregado a un paciente", "en": "Given to a patient"},
    "verify.state.decommissioned": {"es-MX": "Dado de baja", "en": "Withdrawn"},
    "verify.state.destroyed": {"es-MX": "Destruido", "en": "Destroyed"},
    "verify.state.stolen": {"es-MX": "Reportado como robado", "en": "Reported stolen"},
    "verify.state.recalled": {"es-MX": "Retirado del mercado", "en": "Recalled"},
    "verify.state.expired": {"es-MX": "Caducado", "en": "Expired"},
    "verify.kind.clinic-l1": {"es-MX": "Unidad de primer nivel", "en": "Primary care clinic"},
    "verify.kind.hospital-l2": {"es-MX": "Hospital de segundo nivel", "en": "General hospital"},
    "verify.kind.hospital-l3": {
        "es-MX": "Hospital de alta especialidad",
        "en": "Tertiary hospital",
    },
    "verify.kind.pharmacy": {"es-MX": "Farmacia", "en": "Pharmacy"},
    "verify.kind.laboratory": {"es-MX": "Laboratorio clínico", "en": "Clinical laboratory"},
    "verify.kind.distribution-center": {
        "es-MX": "Centro de distribución",
        "en": "Distribution center",
    },
    "verify.kind.other": {"es-MX": "Lugar registrado", "en": "Registered place"},
    "verify.proof.title": {
        "es-MX": "Prueba de registro (para verificar por su cuenta)",
        "en": "Proof of record (to check it yourself)",
    },
    "verify.proof.intro": {
        "es-MX": "El último evento de este empaque está en el registro público de Enlace. Con "
        "estos datos y la llave pública del registro, cualquier persona puede comprobarlo sin "
        "confiar en este servidor (prueba de inclusión RFC 9162 contra el punto de control "
        "firmado).",
        "en": "This pack's latest event is in Enlace's public log. With these data and the "
        "log's public key anyone can check it without trusting this server (an RFC 9162 "
        "inclusion proof against the signed checkpoint).",
    },
    "verify.proof.leaf_index": {"es-MX": "Índice de la hoja", "en": "Leaf index"},
    "verify.proof.tree_size": {"es-MX": "Tamaño del árbol", "en": "Tree size"},
    "verify.proof.entry": {"es-MX": "Entrada", "en": "Entry"},
    "verify.proof.leaf_hash": {"es-MX": "Hash de la hoja", "en": "Leaf hash"},
    "verify.proof.hashes": {"es-MX": "Hashes de la prueba", "en": "Proof hashes"},
    "verify.proof.root": {"es-MX": "Raíz", "en": "Root hash"},
    "verify.proof.checkpoint": {"es-MX": "Punto de control firmado", "en": "Signed checkpoint"},
    "verify.proof.key": {"es-MX": "Llave pública del registro", "en": "Log's public key"},
    "verify.proof.missing": {
        "es-MX": "Prueba no disponible por ahora",
        "en": "Proof not available yet",
    },
    "verify.json": {"es-MX": "Esta respuesta en JSON", "en": "This answer as JSON"},
}
