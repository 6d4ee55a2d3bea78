"""What the patient page shows, taken out of FHIR resources: plain values for the templates.

Pure functions (no I/O): shell.py reads the resources through fhir_reads.Reader and passes them
here. The shapes follow enlace.sim.fhir_map (synthetic population) and what a real network
sends; anything missing shows as "not recorded" rather than failing the page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from enlace.modules import pharmacy

from . import charts, i18n

Resource = dict[str, Any]
BASE = "https://enlace.health/fhir"
CURP_SYSTEM = f"{BASE}/sid/curp-synthetic"
AFFILIATION_URL = f"{BASE}/StructureDefinition/affiliation"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
BP_PANEL, SYSTOLIC, DIASTOLIC = "85354-9", "8480-6", "8462-4"


@dataclass(frozen=True)
class Measure:
    """One charted measurement: the LOINC codes it is read from, its unit, its guides."""

    key: str
    codes: tuple[str, ...]
    unit: str
    band: tuple[float, float, str] | None = None  # low, high, label key
    thresholds: tuple[tuple[float, str], ...] = ()  # value, label key


# Reference values: ../shared/REFERENCE.md §1 (ADA/NOM-015 HbA1c < 7 %, fasting glucose, ACC/AHA
# and NOM-030 blood pressure, WHO BMI classes, KDIGO eGFR < 60).
MEASURES = (
    Measure("hba1c", ("4548-4",), "%", thresholds=((7.0, "target.hba1c"),)),
    Measure(
        "glucose",
        ("1558-6",),
        "mg/dL",
        band=(70.0, 100.0, "target.glucose"),
        thresholds=((126.0, "target.glucose_dm"),),
    ),
    Measure(
        "bp",
        (BP_PANEL, SYSTOLIC, DIASTOLIC),
        "mmHg",
        thresholds=((130.0, "target.bp130"), (140.0, "target.bp140")),
    ),
    Measure("weight", ("29463-7",), "kg"),
    Measure(
        "bmi", ("39156-5",), "kg/m²", thresholds=((25.0, "target.bmi25"), (30.0, "target.bmi30"))
    ),
    Measure("egfr", ("98979-8",), "mL/min/1.73 m²", thresholds=((60.0, "target.egfr60"),)),
)
CHARTED_CODES = tuple(dict.fromkeys(code for m in MEASURES for code in m.codes))


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]


def human_name(patient: Resource) -> str:
    names = patient.get("name") or []
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    if name.get("text"):
        return str(name["text"])
    parts = [*name.get("given", []), name.get("family", "")]
    return " ".join(p for p in parts if p) or patient.get("id", "")


def demographics(
    patient: Resource, t: i18n.Translator, lang: str, today: date
) -> list[tuple[str, str]]:
    """(label, value) pairs in display order."""
    unknown = t("patient.unknown")
    born = parse_instant(patient.get("birthDate"))
    birth = unknown
    if born is not None:
        years = age(born.date(), today)
        birth = f"{i18n.format_date(born, lang)} ({t('patient.age').format(years=years)})"
    sex = patient.get("gender")
    return [
        (t("patient.name"), human_name(patient)),
        (
            t("patient.sex"),
            t(f"sex.{sex}") if sex in ("male", "female", "other", "unknown") else unknown,
        ),
        (t("patient.birth"), birth),
        (t("patient.curp"), curp(patient) or unknown),
        (t("patient.address"), address(patient) or unknown),
        (t("patient.affiliation"), affiliation(patient) or unknown),
    ]


def curp(patient: Resource) -> str | None:
    for identifier in patient.get("identifier", []):
        if identifier.get("system") == CURP_SYSTEM:
            return str(identifier.get("value", "")) or None
    return None


def address(patient: Resource) -> str | None:
    for item in patient.get("address", []):
        parts = [*item.get("line", []), item.get("city"), item.get("state"), item.get("postalCode")]
        text = item.get("text") or ", ".join(str(p) for p in parts if p)
        if text:
            return str(text)
    return None


def affiliation(patient: Resource) -> str | None:
    for extension in patient.get("extension", []):
        if extension.get("url") == AFFILIATION_URL:
            coding = extension.get("valueCoding", {})
            return str(coding.get("display") or coding.get("code") or "") or None
    return None


def age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def conditions(found: Iterable[Resource], t: i18n.Translator, lang: str) -> list[Row]:
    rows = []
    for condition in found:
        code = condition.get("code", {})
        icd: Resource = next((c for c in code.get("coding", []) if c.get("system") == ICD10), {})
        text = code.get("text") or icd.get("display") or _first_display(code)
        status = _code_of(condition.get("clinicalStatus"))
        rows.append(
            Row(
                (
                    icd.get("code", ""),
                    text,
                    _date(condition.get("onsetDateTime"), lang),
                    status_text(t, status),
                )
            )
        )
    return rows


def medicines(
    found: Iterable[Resource],
    t: i18n.Translator,
    lang: str,
    dispenses: Iterable[Resource] = (),
    today: date | None = None,
) -> list[Row]:
    """One row per prescription; with its dispenses, how many fills were collected of those
    allowed, the last, and when the next is due (pharmacy.refill_status)."""
    by_rx: dict[str, list[Resource]] = {}
    for dispense in dispenses:
        for ref in dispense.get("authorizingPrescription", []):
            by_rx.setdefault(
                str(ref.get("reference", "")).removeprefix("MedicationRequest/"), []
            ).append(dispense)
    rows = []
    for request in found:
        concept = request.get("medicationCodeableConcept") or {}
        medicine = (
            (request.get("medicationReference") or {}).get("display")
            or concept.get("text")
            or _first_display(concept)
        )
        dosage = " ".join(d.get("text", "") for d in request.get("dosageInstruction", [])).strip()
        rows.append(
            Row(
                (
                    medicine or t("patient.unknown"),
                    dosage or "—",
                    _date(request.get("authoredOn"), lang),
                    status_text(t, request.get("status")),
                    _fills(request, by_rx.get(str(request.get("id")), []), t, lang, today),
                )
            )
        )
    return rows


def _fills(
    request: Resource, dispenses: list[Resource], t: i18n.Translator, lang: str, today: date | None
) -> str:
    if "dispenseRequest" not in request or today is None:
        return "—"
    status = pharmacy.refill_status(request, dispenses, today)
    text = t("medicines.fills_of").replace("{done}", str(status.fills_done))
    text = text.replace("{allowed}", str(status.fills_allowed))
    if status.state in ("due", "not-due") and request.get("status") == "active":
        text += " · " + t("medicines.next_due").replace(
            "{day}", i18n.format_date(status.next_due, lang)
        )
    return text


def encounters(found: Iterable[Resource], t: i18n.Translator, lang: str) -> list[Row]:
    rows = []
    for encounter in found:
        kinds = encounter.get("type") or []
        kind = (kinds[0].get("text") or _first_display(kinds[0])) if kinds else ""
        kind = (
            kind
            or (encounter.get("class") or {}).get("display")
            or (encounter.get("class") or {}).get("code", "")
        )
        start = (encounter.get("period") or {}).get("start")
        reasons = ", ".join(
            c.get("text") or _first_display(c) for c in encounter.get("reasonCode", [])
        )
        status = status_text(t, encounter.get("status"))
        rows.append(Row((_date(start, lang), kind or "—", reasons or "—", status)))
    return rows


def observation_charts(
    found: Iterable[Resource], t: i18n.Translator, lang: str
) -> tuple[list[charts.Chart], list[Row]]:
    """One time chart per measure (blood pressure: systolic and diastolic), and the latest value
    of each as table rows."""
    values = _values_by_code(found)
    built, latest = [], []
    for measure in MEASURES:
        series = _series(measure, values, t)
        band = None
        if measure.band is not None:
            band = charts.Band(measure.band[0], measure.band[1], t(measure.band[2]))
        lines = [charts.Threshold(v, t(key)) for v, key in measure.thresholds]
        title = t(f"measure.{measure.key}")
        built.append(
            charts.time_chart(
                f"chart-{measure.key}", title, measure.unit, series, lang, band, lines
            )
        )
        newest = [(s.name, max(s.points, key=lambda p: p[0])) for s in series if s.points]
        if newest:
            when = max(p[0] for _, p in newest)
            text = " / ".join(charts.format_value(p[1]) for _, p in newest)
            latest.append(Row((title, f"{text} {measure.unit}", i18n.format_datetime(when, lang))))
    return built, latest


def per_year_chart(found: Iterable[Resource], t: i18n.Translator) -> charts.Chart:
    """How many measurements were recorded each year (the bar chart)."""
    years = Counter(when.year for obs in found if (when := effective(obs)) is not None)
    bars = [(str(year), float(years[year])) for year in sorted(years)]
    return charts.bar_chart(
        "chart-per-year", t("observations.per_year"), "", bars, t("observations.count")
    )


def effective(observation: Resource) -> datetime | None:
    period = observation.get("effectivePeriod") or {}
    return parse_instant(
        observation.get("effectiveDateTime") or period.get("start") or observation.get("issued")
    )


def parse_instant(text: Any) -> datetime | None:
    """A FHIR date or dateTime (partial dates read as their first day), always timezone-aware so
    dates and times compare (a date, or a time without offset, reads as UTC); None when
    unreadable."""
    if not isinstance(text, str) or not text:
        return None
    if len(text) == 4:
        text += "-01-01"
    elif len(text) == 7:
        text += "-01"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def status_text(t: i18n.Translator, code: str | None) -> str:
    if not code:
        return "—"
    key = f"status.{code}"
    text = t(key)
    return code if text == key else text


def _values_by_code(found: Iterable[Resource]) -> dict[str, list[tuple[datetime, float]]]:
    """LOINC code → (when, value), a blood pressure panel's components under their own codes."""
    out: dict[str, list[tuple[datetime, float]]] = {}
    for obs in found:
        when = effective(obs)
        if when is None or obs.get("status") in ("entered-in-error", "cancelled"):
            continue
        for code, value in _coded_values(obs):
            out.setdefault(code, []).append((when, value))
    return out


def _coded_values(obs: Resource) -> list[tuple[str, float]]:
    pairs = [(obs.get("code"), obs.get("valueQuantity"))]
    pairs += [(c.get("code"), c.get("valueQuantity")) for c in obs.get("component", [])]
    found = []
    for concept, quantity in pairs:
        value = (quantity or {}).get("value")
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        for coding in (concept or {}).get("coding", []):
            if coding.get("system") == LOINC and coding.get("code") in CHARTED_CODES:
                found.append((coding["code"], float(value)))
                break
    return found


def _series(
    measure: Measure, values: dict[str, list[tuple[datetime, float]]], t: i18n.Translator
) -> list[charts.Series]:
    if measure.key == "bp":
        return [
            charts.Series(t("measure.systolic"), values.get(SYSTOLIC, [])),
            charts.Series(t("measure.diastolic"), values.get(DIASTOLIC, [])),
        ]
    points = [p for code in measure.codes for p in values.get(code, [])]
    return [charts.Series(t(f"measure.{measure.key}"), points)]


def _date(text: Any, lang: str) -> str:
    when = parse_instant(text)
    return i18n.format_date(when, lang) if when else "—"


def _first_display(concept: Resource) -> str:
    for coding in concept.get("coding", []):
        if coding.get("display") or coding.get("code"):
            return str(coding.get("display") or coding.get("code"))
    return ""


def _code_of(concept: Resource | None) -> str | None:
    for coding in (concept or {}).get("coding", []):
        if coding.get("code"):
            return str(coding["code"])
    return None
