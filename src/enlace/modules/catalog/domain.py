"""Catalog domain: GS1 check digits and the value objects the catalogs are made of (pure)."""

from __future__ import annotations

from dataclasses import dataclass


def gs1_check_digit(body: str) -> int:
    """GS1 mod-10 check digit of the digits before it (GTIN-8/12/13/14, GLN, SSCC).

    From the right, digits are weighted 3, 1, 3, 1, ...; the check digit brings the sum up to a
    multiple of ten.
    """
    if not body.isdigit():
        raise ValueError(f"a GS1 key has digits only, got {body!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_gtin14(gtin: str) -> bool:
    return len(gtin) == 14 and gtin.isdigit() and gs1_check_digit(gtin[:-1]) == int(gtin[-1])


# GS1 prefixes 200-299 are "restricted circulation": never assigned to a real trade item, so a
# synthetic GTIN here cannot collide with a product on a real shelf.
SYNTHETIC_GTIN_PREFIX = "02990001"


def synthetic_gtin14(item: int) -> str:
    """Indicator 0, restricted-circulation prefix, a five-digit item number, check digit."""
    if not 0 <= item < 100_000:
        raise ValueError("item number must have at most five digits")
    body = f"{SYNTHETIC_GTIN_PREFIX}{item:05d}"
    return body + str(gs1_check_digit(body))


@dataclass(frozen=True, slots=True)
class Ingredient:
    name: str  # Spanish INN (DCI), as a Mexican pharmacist reads it
    amount: float
    unit: str  # UCUM
    per: float = 1
    per_unit: str = "{tbl}"  # UCUM annotation for one dose unit, or mL


@dataclass(frozen=True, slots=True)
class ColdChain:
    min_celsius: float
    max_celsius: float


@dataclass(frozen=True, slots=True)
class Medicine:
    slug: str  # stable id: Medication/med-<slug>
    atc: str
    display: str  # Spanish
    form: str  # code in the dose-form CodeSystem
    ingredients: tuple[Ingredient, ...]
    pack_size: int
    pack_unit: str  # Spanish, e.g. "tabletas"
    price_centavos: int  # synthetic reference price of one pack, MXN
    group: str  # therapeutic group (condition-group code)
    cold_chain: ColdChain | None = None
    cnis: str | None = None  # Compendio Nacional de Insumos key, only where known
    item: int = 0  # GTIN item number, set from the position in the formulary

    @property
    def id(self) -> str:
        return f"med-{self.slug}"

    @property
    def gtin(self) -> str:
        return synthetic_gtin14(self.item)


@dataclass(frozen=True, slots=True)
class Institution:
    slug: str
    name: str
    alias: str
    kinds: tuple[str, ...]  # organization-type codes: prov, pay, ins, govt
    state: str | None = None  # state institutes (ISES) belong to one state


@dataclass(frozen=True, slots=True)
class Facility:
    slug: str
    name: str
    kind: str  # facility-type code
    institution: str  # Institution slug
    state: str  # INEGI state code
    municipality: str  # INEGI municipality code (state + 3 digits)
    municipality_name: str
    latitude: float
    longitude: float
