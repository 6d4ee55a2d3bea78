"""The monitoring vocabulary every part of the module shares (pure; no I/O).

A reading is stored in the canonical LOINC code and UCUM unit of its measurement (REFERENCE.md §1);
ingestion converts other units and alternative codes to these (normalize.py). The plausible range is
what a living person can show on that device: outside it a reading is refused as implausible (the
raw message is kept), never stored and never alerted on.
"""

from __future__ import annotations

from dataclasses import dataclass

BP_PANEL = "85354-9"
SYSTOLIC = "8480-6"
DIASTOLIC = "8462-4"
HEART_RATE = "8867-4"
RESPIRATORY_RATE = "9279-1"
SPO2 = "59408-5"
TEMPERATURE = "8310-5"
WEIGHT = "29463-7"
CAPILLARY_GLUCOSE = "41653-7"
CGM_GLUCOSE = "99504-3"
# Ambient/storage temperature of a medicine fridge, cold room or delivery box, from a temperature
# logger. Not LOINC 8310-5 (body temperature, a person's vital sign): LOINC has no code for the
# air of a storage place, so this is a local code of LOCAL_CODE_SYSTEM (docs/coldchain.md).
STORAGE_TEMPERATURE = "storage-temp"
LOCAL_CODE_SYSTEM = "https://enlace.health/fhir/CodeSystem/monitoring-code"


@dataclass(frozen=True, slots=True)
class Measure:
    code: str  # canonical LOINC
    unit: str  # canonical UCUM
    display: str  # English display (LOINC short name)
    low: float  # plausible range, inclusive
    high: float


CODES: dict[str, Measure] = {
    m.code: m
    for m in (
        # The panel's range applies to systolic; diastolic is checked against DIASTOLIC_RANGE.
        Measure(BP_PANEL, "mm[Hg]", "Blood pressure panel", 40, 300),
        Measure(HEART_RATE, "/min", "Heart rate", 20, 300),
        Measure(RESPIRATORY_RATE, "/min", "Respiratory rate", 2, 80),
        Measure(SPO2, "%", "Oxygen saturation", 40, 100),
        Measure(TEMPERATURE, "Cel", "Body temperature", 25, 45),
        Measure(WEIGHT, "kg", "Body weight", 1, 400),
        Measure(CAPILLARY_GLUCOSE, "mg/dL", "Glucose, capillary", 10, 800),
        Measure(CGM_GLUCOSE, "mg/dL", "Glucose, interstitial (CGM)", 20, 600),
        # What a logger in a medicine store can read: a deep freezer to a box left in the sun.
        Measure(STORAGE_TEMPERATURE, "Cel", "Storage temperature", -40, 60),
    )
}
DIASTOLIC_RANGE = (20.0, 200.0)
MGDL_PER_MMOLL = 18.016  # glucose, REFERENCE.md §1

# Readings a patient reports themself (self_reports.py) are stored under a pseudo-device whose id
# starts with this, "self-<channel>-<hash of the patient>": no registry entry, served as a
# patient-reported Observation (performer the patient, no device).
SELF_REPORTED_PREFIX = "self-"
SOURCE_SYSTEM = "https://enlace.health/fhir/CodeSystem/observation-source"
PATIENT_REPORTED = "patient-reported"

DEVICE_KINDS = (
    "bp-cuff",
    "glucometer",
    "cgm",
    "pulse-oximeter",
    "scale",
    "thermometer",
    "cardiac-monitor",
    "temperature-logger",
)
# Kinds that guard a place (a fridge, cold room or delivery box) rather than a patient: bound to a
# place with registry.bind_place, their readings carry no patient (PLACE_PATIENT) and go to the
# handler the place's module registered (place_devices), not to the patient alert rules.
PLACE_KINDS = frozenset({"temperature-logger"})
PLACE_PATIENT = ""  # monitoring_readings.patient of a place device's readings: nobody
DEVICE_STATUSES = ("active", "inactive", "revoked")
SEVERITIES = ("info", "warning", "urgent", "emergency")


@dataclass(frozen=True, slots=True)
class Reading:
    """One normalized reading, as stored in monitoring_readings."""

    patient: str
    device: str
    code: str  # a key of CODES
    value: float  # in CODES[code].unit; systolic for BP_PANEL
    effective_us: int  # microseconds since the epoch, UTC
    received_us: int
    value2: float | None = None  # diastolic for BP_PANEL
    device_code: str | None = None  # IEEE 11073-10101 code as sent
