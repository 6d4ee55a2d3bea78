"""Table tests of the order checks at their boundaries (pure: no database)."""

from __future__ import annotations

from typing import Any

import pytest

from enlace.modules.cds.checks import Measurement, PatientFacts, check_orders
from enlace.modules.cds.orders import order_of


def rx(slug: str, per_day: int = 2, rid: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "medicationReference": {"reference": f"Medication/med-{slug}"},
        "dosageInstruction": [
            {
                "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": 1, "code": "{tbl}"}}],
            }
        ],
    }
    if rid:
        body["id"] = rid
    return body


def keys(
    draft: str, active: tuple[str, ...] = (), egfr: float | None = None, **kw: Any
) -> set[str]:
    drafts = (order_of(rx(draft, kw.pop("per_day", 2)), draft=True),)
    orders = tuple(order_of(rx(s, rid=f"a{n}"), draft=False) for n, s in enumerate(active))
    measured = Measurement(egfr, None) if egfr is not None else None
    facts = PatientFacts("p", orders, measured, kw.pop("pregnant", False))
    return {f.key for f in check_orders(drafts, facts)}


@pytest.mark.parametrize(
    ("egfr", "per_day", "expected"),
    [
        (29.9, 1, {"metformin-lt30"}),
        (30.0, 2, {"metformin-30-44"}),  # 1,700 mg/day
        (30.0, 1, set()),  # 850 mg/day is within 1,000
        (44.9, 2, {"metformin-30-44"}),
        (45.0, 2, set()),
    ],
)
def test_metformin_by_egfr(egfr: float, per_day: int, expected: set[str]) -> None:
    assert keys("metformin-850-tab", egfr=egfr, per_day=per_day) == expected


@pytest.mark.parametrize(
    ("draft", "egfr", "expected"),
    [
        ("glibenclamide-5-tab", 59.9, {"glibenclamide-lt60"}),
        ("glibenclamide-5-tab", 60.0, set()),
        ("dapagliflozin-10-tab", 24.9, {"dapagliflozin-lt25"}),
        ("dapagliflozin-10-tab", 25.0, set()),
        ("empagliflozin-25-tab", 19.9, {"empagliflozin-lt20"}),
        ("methotrexate-2.5-tab", 29.0, {"methotrexate-lt30"}),
        ("methotrexate-2.5-tab", 30.0, {"methotrexate-30-59"}),
        ("methotrexate-2.5-tab", 60.0, set()),
    ],
)
def test_renal_rules(draft: str, egfr: float, expected: set[str]) -> None:
    assert keys(draft, egfr=egfr, per_day=1) == expected


@pytest.mark.parametrize(
    ("draft", "active", "expected"),
    [
        ("spironolactone-25-tab", ("enalapril-10-tab",), "ras-k-sparing"),
        ("losartan-50-tab", ("enalapril-10-tab",), "ras-dual-blockade"),
        ("sacubitril-valsartan-97-103-tab", ("enalapril-10-tab",), "arni-acei"),
        ("cotrimoxazole-160-800-tab", ("methotrexate-2.5-tab",), "methotrexate-trimethoprim"),
        ("metformin-850-tab", ("dolutegravir-50-tab",), "dolutegravir-metformin"),
        ("simvastatin-20-tab", ("drv-cobi-tab",), "simvastatin-cyp3a4"),
    ],
)
def test_interaction_pairs_either_way(draft: str, active: tuple[str, ...], expected: str) -> None:
    assert expected in keys(draft, active)
    assert expected in keys(active[0], (draft,))


def test_two_active_orders_that_interact_are_not_this_prescribers_decision() -> None:
    assert "ras-k-sparing" not in keys(
        "amlodipine-5-tab", ("enalapril-10-tab", "spironolactone-25-tab")
    )


def test_duplicate_by_atc_level_4_only() -> None:
    assert "duplicate-C09AA" in keys("captopril-25-tab", ("enalapril-10-tab",))
    assert not any(
        k.startswith("duplicate") for k in keys("losartan-50-tab", ("amlodipine-5-tab",))
    )


def test_pregnancy_flags() -> None:
    assert "ras-pregnancy" in keys("enalapril-10-tab", pregnant=True)
    assert "statin-pregnancy" in keys("atorvastatin-20-tab", pregnant=True)
    assert keys("enalapril-10-tab", pregnant=False) == set()
