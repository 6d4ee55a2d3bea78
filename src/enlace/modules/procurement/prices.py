"""Awarded medicine prices against the formulary's reference prices.

An awarded item is matched to a formulary medicine by its CNIS key (clave de compendio, or a CUCoP
key that embeds it) in its classifications, else by its description containing every word of the
medicine's name. The unit price is taken as the price of one pack (CNIS keys name a presentation).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from enlace.modules.catalog import Medicine, formulary
from enlace.modules.procurement.ocds import Release, array, awards, number, obj, text


@dataclass(frozen=True, slots=True)
class PriceComparison:
    ocid: str
    description: str
    medicine: str  # formulary slug
    medicine_display: str
    matched_by: str  # "cnis" | "name"
    unit_price_centavos: int
    reference_centavos: int
    ratio: float
    outlier: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "ocid": self.ocid,
            "description": self.description,
            "medicine": self.medicine,
            "medicine_display": self.medicine_display,
            "matched_by": self.matched_by,
            "unit_price_centavos": self.unit_price_centavos,
            "reference_centavos": self.reference_centavos,
            "ratio": self.ratio,
            "outlier": self.outlier,
        }


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _words(value: str) -> frozenset[str]:
    """Accent-free lower-case words, plural "s" dropped so "tabletas" matches "tableta"."""
    decomposed = unicodedata.normalize("NFKD", value.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", plain)
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


class ReferencePrices:
    """The formulary indexed for matching: CNIS digits, and each medicine's name words."""

    def __init__(self, medicines: tuple[Medicine, ...] | None = None) -> None:
        self.medicines = medicines if medicines is not None else formulary()
        self.by_cnis = {_digits(m.cnis): m for m in self.medicines if m.cnis}
        self.names = [(_words(m.display), m) for m in self.medicines]

    def match(self, codes: list[str], description: str) -> tuple[Medicine, str] | None:
        for code in codes:
            digits = _digits(code)
            # A CUCoP key for a medicine carries the 12-digit CNIS key in its last digits.
            for key in (digits, digits[-12:]):
                if key in self.by_cnis:
                    return self.by_cnis[key], "cnis"
        words = _words(description)
        # The most specific name wins: "sitagliptina/metformina" over "metformina".
        candidates = [(len(name), m) for name, m in self.names if name and name <= words]
        if not candidates:
            return None
        return max(candidates, key=lambda pair: pair[0])[1], "name"


def centavos(amount: float) -> int | None:
    try:
        value = (Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None
    return int(value)


def _awarded_items(release: Release) -> Iterator[dict[str, object]]:
    """Items of active awards, and of contracts (some publishers list items only there)."""
    for award in awards(release):
        if award.get("status") in (None, "active"):
            yield from (obj(item) for item in array(award.get("items")))
    for contract in array(release.get("contracts")):
        yield from (obj(item) for item in array(obj(contract).get("items")))


def _codes(item: dict[str, object]) -> list[str]:
    classifications = [obj(item.get("classification"))]
    classifications += [obj(c) for c in array(item.get("additionalClassifications"))]
    return [code for c in classifications if (code := text(c.get("id")))]


def compare_prices(
    release: Release, ocid: str, prices: ReferencePrices, threshold: float
) -> list[PriceComparison]:
    """Every priced, matched medicine item of one process (MXN only), with its ratio."""
    found = []
    for item in _awarded_items(release):
        value = obj(obj(item.get("unit")).get("value"))
        amount = number(value.get("amount"))
        if amount is None or text(value.get("currency")) not in (None, "MXN"):
            continue
        description = text(item.get("description")) or ""
        matched = prices.match(_codes(item), description)
        unit_price = centavos(amount)
        if matched is None or unit_price is None or unit_price <= 0:
            continue
        medicine, how = matched
        ratio = unit_price / medicine.price_centavos
        found.append(
            PriceComparison(
                ocid,
                description,
                medicine.slug,
                medicine.display,
                how,
                unit_price,
                medicine.price_centavos,
                round(ratio, 4),
                ratio > threshold,
            )
        )
    return found
