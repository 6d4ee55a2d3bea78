"""CBV 2.0 standard vocabularies: business steps, dispositions and the other enumerated types.

A JSON-LD event names a CBV value bare (`shipping`), as the CBV 1.x URN
(`urn:epcglobal:cbv:bizstep:shipping`) or as the Web URI (`https://ref.gs1.org/cbv/BizStep-shipping`).
`bare_term` turns any of the three into the bare word (what we store and query by) or None when it
is not a CBV term; `web_uri` is the form the event hash uses. The lists are CBV 2.0 §7 (checked
against the official JSON-LD contexts in tests).
"""

from __future__ import annotations

CBV_WEB = "https://ref.gs1.org/cbv/"
GS1_VOC = "https://gs1.org/voc/"

BIZ_STEPS = frozenset(
    [
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "sampling",
        "sensor_reporting",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
    ]
)
DISPOSITIONS = frozenset(
    [
        "active",
        "available",
        "completeness_inferred",
        "completeness_verified",
        "conformant",
        "container_closed",
        "container_open",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "mismatch_class",
        "mismatch_instance",
        "mismatch_quantity",
        "needs_replacement",
        "no_pedigree_match",
        "non_conformant",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unavailable",
        "unknown",
    ]
)
BIZ_TRANSACTION_TYPES = frozenset(
    [
        "bol",
        "cert",
        "desadv",
        "inv",
        "pedigree",
        "po",
        "poc",
        "prodorder",
        "recadv",
        "rma",
        "testprd",
        "testres",
        "upevt",
    ]
)
SOURCE_DEST_TYPES = frozenset(("owning_party", "possessing_party", "location"))
ERROR_REASONS = frozenset(("did_not_occur", "incorrect_data"))
COMPONENTS = frozenset(
    [
        "x",
        "y",
        "z",
        "axial_distance",
        "azimuth",
        "height",
        "spherical_radius",
        "polar_angle",
        "elevation_angle",
        "easting",
        "northing",
        "latitude",
        "longitude",
        "altitude",
    ]
)


class Vocabulary:
    """One CBV vocabulary: its Web URI prefix, its CBV 1.x URN prefix and its terms."""

    def __init__(self, name: str, web_prefix: str, urn_prefix: str, terms: frozenset[str]):
        self.name = name
        self.web_prefix = web_prefix
        self.urn_prefix = urn_prefix
        self.terms = terms

    def bare_term(self, value: str) -> str | None:
        """The bare CBV word for any of the three spellings, None when not a term of this list."""
        for prefix in (self.web_prefix, self.urn_prefix, "cbv:" + self.web_prefix[len(CBV_WEB) :]):
            if value.startswith(prefix):
                value = value[len(prefix) :]
                break
        return value if value in self.terms else None

    def web_uri(self, value: str) -> str:
        """The hash form: a CBV term as its Web URI, anything else (a private URI) unchanged."""
        term = self.bare_term(value)
        return self.web_prefix + term if term is not None else value

    def is_private(self, value: str) -> bool:
        """A user-defined value: CBV allows any absolute URI that is not in the CBV namespaces."""
        return ":" in value and not value.startswith(
            (CBV_WEB, "urn:epcglobal:cbv:", "cbv:", "https://gs1.org/voc/")
        )


BIZ_STEP = Vocabulary("bizStep", CBV_WEB + "BizStep-", "urn:epcglobal:cbv:bizstep:", BIZ_STEPS)
DISPOSITION = Vocabulary("disposition", CBV_WEB + "Disp-", "urn:epcglobal:cbv:disp:", DISPOSITIONS)
BIZ_TRANSACTION_TYPE = Vocabulary(
    "bizTransaction type", CBV_WEB + "BTT-", "urn:epcglobal:cbv:btt:", BIZ_TRANSACTION_TYPES
)
SOURCE_DEST_TYPE = Vocabulary(
    "source/destination type", CBV_WEB + "SDT-", "urn:epcglobal:cbv:sdt:", SOURCE_DEST_TYPES
)
ERROR_REASON = Vocabulary("error reason", CBV_WEB + "ER-", "urn:epcglobal:cbv:er:", ERROR_REASONS)
COMPONENT = Vocabulary("component", CBV_WEB + "Comp-", "urn:epcglobal:cbv:comp:", COMPONENTS)


def gs1_voc_uri(value: str) -> str:
    """Sensor measurement types and exceptions: bare or `gs1:` terms of https://gs1.org/voc/."""
    if value.startswith("gs1:"):
        return GS1_VOC + value[4:]
    return GS1_VOC + value if ":" not in value else value
