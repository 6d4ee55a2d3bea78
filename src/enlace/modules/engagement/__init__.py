"""The patient app (issue 16 part 1): today's medicines with check-offs, self-entered readings with
feedback, offline sync (docs/patient-app.md).

Public API: `record_dose` / `doses_for` (a check-off from the app, a caregiver or an SMS reply),
`record_reading` (a self-entered reading through monitoring's ingestion, with its verdict),
`entry` (a typed reading checked and converted), `sync` (the app's offline upload), `sign_out_elsewhere` (a lost phone)."""

from enlace.modules.engagement import domain, doses
from enlace.modules.engagement.devices import sign_out_elsewhere
from enlace.modules.engagement.domain import (
    MEASURES,
    Entry,
    EntryError,
    Verdict,
    entry,
    settle,
    slots_for,
    verdict,
)
from enlace.modules.engagement.doses import (
    DoseReport,
    DoseSlot,
    doses_for,
    record_dose,
    record_dose_in,
)
from enlace.modules.engagement.readings import record_reading
from enlace.modules.engagement.sync import Actor, sync

__all__ = [
    "MEASURES",
    "Actor",
    "DoseReport",
    "DoseSlot",
    "Entry",
    "EntryError",
    "Verdict",
    "domain",
    "doses",
    "doses_for",
    "entry",
    "record_dose",
    "record_dose_in",
    "record_reading",
    "settle",
    "sign_out_elsewhere",
    "slots_for",
    "sync",
    "verdict",
]
