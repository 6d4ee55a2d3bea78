"""The money and procurement pages' pure parts: every string they use exists in both languages,
every claim reason and indicator has words, amounts and packs read from an EOB and a Claim."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from enlace.entrypoints.web import i18n, money_strings, procurement_strings, shell_strings
from enlace.entrypoints.web.eob_view import amounts, pack_paths, reasons
from enlace.entrypoints.web.money_pages import local_date
from enlace.entrypoints.web.page_guard import money
from enlace.modules import claims
from enlace.modules.claims.domain import ClaimReason
from enlace.modules.procurement import INDICATORS

TEMPLATES = Path(i18n.__file__).parent / "templates"
PAGES = ("my_claims", "my_wallet", "receivables", "procurement")
CATALOG = {**shell_strings.STRINGS, **money_strings.STRINGS, **procurement_strings.STRINGS}


def test_every_template_key_exists_in_both_languages() -> None:
    used = {
        key
        for name in PAGES
        for key in re.findall(
            r't\([\'"]([a-z_.]+)[\'"]\)', (TEMPLATES / f"{name}.html").read_text()
        )
    }
    assert used and used <= set(CATALOG), used - set(CATALOG)
    for key in (*money_strings.STRINGS, *procurement_strings.STRINGS):
        assert set(CATALOG[key]) == set(i18n.LANGUAGES), key


def test_every_reason_status_and_indicator_has_words() -> None:
    keys = (
        [f"eob.reason.{r.value}" for r in ClaimReason]
        + [f"eob.outcome.{o}" for o in ("complete", "partial", "error", "queued")]
        + [f"wallet.status.{s}" for s in ("posted", "pending", "voided", "expired")]
        + [f"proc.title.{code}" for code in INDICATORS]
    )
    assert [k for k in keys if k not in CATALOG] == []


@pytest.mark.parametrize(
    ("centavos", "text"),
    [(0, "$0.00"), (4_500, "$45.00"), (123_456_789, "$1,234,567.89"), (-5, "-$0.05")],
)
def test_money(centavos: int, text: str) -> None:
    assert money(centavos) == text


def test_local_date_is_mexico_city() -> None:
    # 2026-03-01 03:00 UTC is still 28 February in Mexico City (UTC-6).
    assert local_date(1_772_334_000_000_000, "es-MX") == "28 feb 2026"
    assert local_date(1_772_334_000_000_000, "en") == "Feb 28, 2026"


ADJ = "http://terminology.hl7.org/CodeSystem/adjudication"
CENTAVOS = "https://enlace.health/fhir/StructureDefinition/amount-centavos"


def line(code: str, value: float, exact: int | None = None, **extra: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "category": {"coding": [{"system": ADJ, "code": code}]},
        "amount": {"value": value, "currency": "MXN"},
        **extra,
    }
    if exact is not None:
        entry["extension"] = [{"url": CENTAVOS, "valueInteger": exact}]
    return entry


def test_amounts_and_reasons_of_an_eob() -> None:
    refused = {"coding": [{"system": claims.REASON_SYSTEM, "code": "phantom"}], "text": "no event"}
    eob = {
        "item": [
            {
                "adjudication": [
                    line("submitted", 45.0, 4_500),
                    line("benefit", 40.0, 4_000),
                    line("copay", 5.0, 500),
                ]
            },
            {
                "adjudication": [
                    line("submitted", 0.1),
                    line("benefit", 0, reason=refused),
                    line("copay", 0),
                ]
            },
        ]
    }
    assert amounts(eob) == {"submitted": 4_510, "benefit": 4_000, "copay": 500}
    assert reasons(eob) == [("phantom", "no event")]
    assert amounts({}) == {"submitted": 0, "benefit": 0, "copay": 0}


def test_pack_paths_of_a_claim() -> None:
    def pack(text: str) -> dict[str, str]:
        return {"url": claims.PACK_EXTENSION, "valueString": text}

    claim = {
        "item": [
            {
                "extension": [
                    pack("https://id.gs1.org/01/02990001000018/10/L1/21/ABC?17=271231"),
                    pack("(01)02990001000018(21)XYZ"),
                    pack("not a pack"),
                    {"url": "other", "valueString": "(01)02990001000018(21)NO"},
                ]
            }
        ]
    }
    assert pack_paths(claim) == [
        "/01/02990001000018/10/L1/21/ABC?17=271231",
        "/01/02990001000018/21/XYZ",
    ]
