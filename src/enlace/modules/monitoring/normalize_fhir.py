"""FHIR input of a device (pure): an Observation, or a Bundle (batch or collection) of them, as
drafts for normalize.py. Vital-signs and Personal Health Device shapes: a LOINC coding (an IEEE
11073-10101 coding beside it is kept as the device code), valueQuantity in UCUM, blood pressure as
component[] of the panel, effectiveDateTime or effectiveInstant.

Whose data it is, is checked for the whole message: a subject other than the device's patient or
a device reference other than the sender refuses the message (403), because that is a device (or
whoever holds its key) writing someone else's record, not a bad reading.
"""

from __future__ import annotations

from typing import Any

from enlace.kernel import errors
from enlace.modules.monitoring.domain import BP_PANEL, DIASTOLIC, SYSTOLIC
from enlace.modules.monitoring.drafts import Draft, Refused, number, short_text

LOINC = "http://loinc.org"
IEEE_11073 = "urn:iso:std:iso:11073:10101"
UCUM = "http://unitsofmeasure.org"
BUNDLE_TYPES = ("batch", "collection")
# A device that withdraws a reading says so; such an Observation is not a reading to store.
NOT_READINGS = frozenset({"entered-in-error", "cancelled", "registered"})


def observations(message: dict[str, Any], device: str, patient: str) -> list[tuple[str, Any]]:
    """(location prefix, Observation) for each Observation of the message, after checking that
    every one is about `patient` and from `device`."""
    kind = message.get("resourceType")
    if kind == "Observation":
        found = [("Observation", message)]
    elif kind == "Bundle":
        found = _bundle_entries(message)
    else:
        raise errors.bad_request(
            "A FHIR message is an Observation or a Bundle of Observations",
            "resourceType",
            code="structure",
        )
    for where, observation in found:
        _check_owner(observation, where, device, patient)
    return found


def draft(observation: dict[str, Any], where: str) -> Draft:
    """The reading one Observation carries, or Refused."""
    status = observation.get("status")
    if status in NOT_READINGS:
        raise Refused("malformed", f"{where}.status", f"An Observation {status} is not a reading")
    code, device_code = _codes(observation.get("code"), f"{where}.code")
    time, time_at = _time(observation, where)
    at = {"code": f"{where}.code", "time": time_at}
    if code == BP_PANEL:
        unit, components = _components(observation.get("component"), where, at)
        return Draft(code, unit, None, components, time, device_code, at)
    quantity_at = f"{where}.valueQuantity"
    unit, value = _quantity(observation.get("valueQuantity"), quantity_at)
    at |= {"unit": f"{quantity_at}.code", "value": f"{quantity_at}.value"}
    return Draft(code, unit, value, None, time, device_code, at)


def _bundle_entries(bundle: dict[str, Any]) -> list[tuple[str, Any]]:
    if bundle.get("type") not in BUNDLE_TYPES:
        message = f"A Bundle of readings is of type {' or '.join(BUNDLE_TYPES)}"
        raise errors.bad_request(message, "Bundle.type", code="structure")
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise errors.bad_request("Bundle.entry is a list", "Bundle.entry", code="structure")
    found = []
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        where = f"Bundle.entry[{i}].resource"
        if not isinstance(resource, dict) or resource.get("resourceType") != "Observation":
            message = "Each entry of a Bundle of readings is an Observation"
            raise errors.bad_request(message, where, code="structure")
        found.append((where, resource))
    return found


def _check_owner(observation: dict[str, Any], where: str, device: str, patient: str) -> None:
    if "subject" in observation and _target(observation["subject"]) != ("Patient", patient):
        message = "A device writes only for the patient it is bound to"
        raise errors.error(403, "forbidden", message, f"{where}.subject")
    if "device" in observation and _target(observation["device"]) != ("Device", device):
        message = "A device writes only its own readings"
        raise errors.error(403, "forbidden", message, f"{where}.device")


def _target(reference: Any) -> tuple[str, str] | None:
    """(type, id) of a relative or absolute literal reference; None when it is not one."""
    text = reference.get("reference") if isinstance(reference, dict) else None
    if not isinstance(text, str):
        return None
    parts = text.rstrip("/").split("/")
    return (parts[-2], parts[-1]) if len(parts) >= 2 else None


def _codes(concept: Any, where: str) -> tuple[str, str | None]:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(codings, list):
        raise Refused("code", where, "Observation.code needs a LOINC coding")
    loinc = device_code = None
    for coding in codings:
        if not isinstance(coding, dict) or not short_text(coding.get("code"), 32):
            continue
        if coding.get("system") == LOINC and loinc is None:
            loinc = coding["code"]
        elif coding.get("system") == IEEE_11073 and device_code is None:
            device_code = coding["code"]
    if loinc is None:
        raise Refused("code", where, f"Observation.code needs a coding of system {LOINC}")
    return loinc, device_code


def _time(observation: dict[str, Any], where: str) -> tuple[str, str]:
    for name in ("effectiveDateTime", "effectiveInstant"):
        if name in observation:
            value = observation[name]
            if not short_text(value, 40):
                raise Refused("time", f"{where}.{name}", f"{name} is text")
            return value, f"{where}.{name}"
    message = "A reading needs effectiveDateTime or effectiveInstant, with a UTC offset"
    raise Refused("time", f"{where}.effective", message)


def _quantity(quantity: Any, where: str) -> tuple[str, float]:
    if not isinstance(quantity, dict):
        raise Refused("malformed", where, "A reading carries valueQuantity")
    if quantity.get("system") != UCUM:
        raise Refused("unit", f"{where}.system", f"valueQuantity.system is {UCUM}")
    unit = quantity.get("code")
    if not isinstance(unit, str) or not 0 < len(unit) <= 32:
        raise Refused("unit", f"{where}.code", "valueQuantity.code (the UCUM unit) is required")
    return unit, number(quantity.get("value"), f"{where}.value")


def _components(components: Any, where: str, at: dict[str, str]) -> tuple[str, dict[str, float]]:
    """Unit and {LOINC: value} of the systolic and diastolic components of a BP panel."""
    if not isinstance(components, list):
        message = f"{BP_PANEL} carries component[] with {SYSTOLIC} and {DIASTOLIC}"
        raise Refused("malformed", f"{where}.component", message)
    values: dict[str, float] = {}
    units: set[str] = set()
    for i, component in enumerate(components):
        component_at = f"{where}.component[{i}]"
        if not isinstance(component, dict):
            raise Refused("malformed", component_at, "A component is an object")
        code, _ = _codes(component.get("code"), f"{component_at}.code")
        unit, value = _quantity(component.get("valueQuantity"), f"{component_at}.valueQuantity")
        values[code] = value
        units.add(unit)
        at[code] = f"{component_at}.valueQuantity.value"
        at["unit"] = f"{component_at}.valueQuantity.code"
    if len(units) > 1:
        raise Refused("unit", f"{where}.component", "Both pressures are in the same unit")
    return (units.pop() if units else ""), values
