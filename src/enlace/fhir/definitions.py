"""The FHIR R4 (4.0.1) definitions, compiled into lookup tables the validator walks.

The official StructureDefinitions and ValueSets (fetched by scripts/fetch-fhir-definitions.sh into
`.cache/fhir-r4/`) are 45 MB of JSON. `compile_definitions` turns them into tables once (about 0.3 s
plus parsing, more on a cold disk) and pickles the result next to the sources (`compiled-v<N>.pickle`);
later loads unpickle it in about 25 ms. The pickle is rebuilt when missing, unreadable, or stale: when a
source file or the code that shapes the tables changed since it was written.

Layout of the tables: every resource type, complex datatype and BackboneElement path (`Patient.contact`,
`Bundle.entry.request`) is a `Structure` whose `elements` map each JSON property name to an `ElementSpec`.
Choice elements appear once per concrete JSON name (`valueQuantity`, `valueString`, ...), and
contentReference elements (`Questionnaire.item.item`) point at the structure they reuse. Each spec
carries the flags `_summary` and `_elements` need (`enlace.fhir.summary`): `min` (mandatory when
>= 1), `is_summary` and `is_modifier`, copied from the element definition (every JSON name of a
choice element carries the flags of its `value[x]` definition).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from enlace.fhir.primitives import PrimitiveCheck, PrimitiveType, build_checkers

log = logging.getLogger(__name__)

# The fingerprint also hashes the source of the modules that shape the pickle, so editing them
# rebuilds it; bump this to force a rebuild for any other reason.
FORMAT_VERSION = 2  # 2: ElementSpec.is_summary and is_modifier
SOURCE_FILES = ("profiles-resources.json", "profiles-types.json", "valuesets.json")
DEFINITIONS_ENV = "ENLACE_FHIR_DEFINITIONS"

# ElementSpec.kind values: what the JSON value of the element is.
PRIMITIVE = 0  # a JSON string, number or boolean, checked by the primitive type's checker
COMPLEX = 1  # a JSON object walked against `ElementSpec.structure`
RESOURCE = 2  # a JSON object carrying its own resourceType (Bundle.entry.resource, contained)


@dataclass(slots=True, eq=False)
class RequiredBinding:
    """An expanded value set bound with strength `required`."""

    url: str
    codes: frozenset[str]  # for `code` elements, which carry no system
    system_codes: frozenset[tuple[str, str]]  # (system, code) pairs for Coding and CodeableConcept


@dataclass(slots=True, eq=False)
class ElementSpec:
    """One JSON property of a structure, e.g. `Observation.valueQuantity`."""

    name: str  # the JSON property name: "status", "valueQuantity"
    path: str  # the definition path, for diagnostics: "Observation.status", "Observation.value[x]"
    min: int
    max: int | None  # None means unbounded ("*")
    is_list: bool  # max > 1 or "*": the JSON value is an array
    kind: int  # PRIMITIVE, COMPLEX or RESOURCE
    type_name: str  # "code", "Quantity", "Observation.component", "Resource"
    choice: str | None = None  # the choice element this is a variant of: "value[x]"
    binding: RequiredBinding | None = None
    target_types: frozenset[str] | None = None  # allowed Reference targets; None means any
    # False for Element.id and Extension.url: XML attributes, so no `_id`/`_url` sibling in JSON.
    extensible: bool = True
    is_summary: bool = False  # ElementDefinition.isSummary: returned by `_summary=true`
    is_modifier: bool = False  # ElementDefinition.isModifier: changes the meaning of its parent
    # The structure of a COMPLEX element, linked by FhirDefinitions after loading: the pickle stays
    # flat (no deep recursion while pickling) and the validator saves a dict lookup per object.
    structure: Structure | None = field(default=None, repr=False)


@dataclass(slots=True, frozen=True)
class RequiredElement:
    """An element with min >= 1 and every JSON name that satisfies it (`x`, `_x`, choice variants)."""

    name: str  # "status", or "medication" for medication[x]
    json_names: frozenset[str]


@dataclass(slots=True, eq=False)
class Structure:
    """The elements of a resource, datatype or backbone element."""

    name: str  # "Patient", "Quantity", "SimpleQuantity", "Patient.contact"
    is_resource: bool
    elements: dict[str, ElementSpec] = field(default_factory=dict)
    required: tuple[RequiredElement, ...] = ()
    prohibited: frozenset[str] = frozenset()  # elements a profile constrains to max 0


@dataclass(slots=True)
class CompiledTables:
    """What the compiler produces and the pickle holds."""

    structures: dict[str, Structure]
    resource_types: frozenset[str]
    primitive_types: dict[str, PrimitiveType]
    unchecked_value_sets: frozenset[str]  # required bindings we could not expand


class FhirDefinitions:
    """The compiled tables plus the primitive checkers built from them."""

    __slots__ = (
        "primitive_checks",
        "primitive_types",
        "resource_types",
        "resources",
        "structures",
        "unchecked_value_sets",
    )

    def __init__(self, tables: CompiledTables) -> None:
        self.structures = tables.structures
        self.resource_types = tables.resource_types
        self.resources = {name: tables.structures[name] for name in tables.resource_types}
        self.primitive_types = tables.primitive_types
        self.unchecked_value_sets = tables.unchecked_value_sets
        self.primitive_checks: dict[str, PrimitiveCheck] = build_checkers(tables.primitive_types)
        _link_structures(tables.structures)

    def is_resource_type(self, name: str) -> bool:
        return name in self.resource_types

    def element(self, path: str) -> ElementSpec | None:
        """The spec at a definition path, e.g. `Observation.status` or `Patient.contact.name`."""
        owner, _, name = path.rpartition(".")
        structure = self.structures.get(owner)
        return structure.elements.get(name) if structure else None


def _link_structures(structures: dict[str, Structure]) -> None:
    for structure in structures.values():
        for spec in structure.elements.values():
            if spec.kind == COMPLEX:
                spec.structure = structures[spec.type_name]


def default_definitions_dir() -> Path:
    configured = os.environ.get(DEFINITIONS_ENV)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / ".cache" / "fhir-r4"


def load_definitions(path: Path | None = None) -> FhirDefinitions:
    """The definitions in `path` (default: $ENLACE_FHIR_DEFINITIONS or <repo>/.cache/fhir-r4)."""
    return _load_cached(Path(path) if path is not None else default_definitions_dir())


@cache
def _load_cached(source_dir: Path) -> FhirDefinitions:
    return FhirDefinitions(_compiled_tables(source_dir))


def _compiled_tables(source_dir: Path) -> CompiledTables:
    missing = [name for name in SOURCE_FILES if not (source_dir / name).is_file()]
    if missing:
        raise RuntimeError(
            f"FHIR R4 definitions not found in {source_dir} (missing {', '.join(missing)}); "
            "run `make install` or scripts/fetch-fhir-definitions.sh"
        )
    pickle_path = source_dir / f"compiled-v{FORMAT_VERSION}.pickle"
    fingerprint = _fingerprint(source_dir)
    tables = _read_pickle(pickle_path, fingerprint)
    if tables is None:
        # Imported here: the compiler is only needed when the cache is cold.
        from enlace.fhir.compile_definitions import compile_tables

        tables = compile_tables(source_dir)
        _write_pickle(pickle_path, fingerprint, tables)
    return tables


def _fingerprint(source_dir: Path) -> str:
    """Identifies the inputs of a compilation: the source files and the compiler's code."""
    digest = hashlib.sha256(str(FORMAT_VERSION).encode())
    for name in SOURCE_FILES:
        stat = (source_dir / name).stat()
        digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    # npm packs files with a fixed 1985 mtime, so also note which package version was fetched.
    version_file = source_dir / ".version"
    if version_file.is_file():
        digest.update(version_file.read_bytes())
    for module in ("definitions.py", "compile_definitions.py", "valuesets.py", "primitives.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    return digest.hexdigest()


def _read_pickle(pickle_path: Path, fingerprint: str) -> CompiledTables | None:
    # Unpickling runs code from the file: it is trusted like the sources beside it, which only the
    # installer (scripts/fetch-fhir-definitions.sh) and this module write.
    try:
        with pickle_path.open("rb") as stream:
            stored_fingerprint, tables = pickle.load(stream)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a truncated or incompatible cache is rebuilt, never fatal
        log.warning("Ignoring unreadable FHIR definitions cache %s: %s", pickle_path, exc)
        return None
    if stored_fingerprint != fingerprint or not isinstance(tables, CompiledTables):
        return None
    return tables


def _write_pickle(pickle_path: Path, fingerprint: str, tables: CompiledTables) -> None:
    # Write then rename, so concurrent processes never read a half-written cache.
    try:
        fd, temp_name = tempfile.mkstemp(dir=pickle_path.parent, suffix=".tmp")
    except OSError as exc:  # a read-only install still works, it just compiles every start
        log.warning("Could not write FHIR definitions cache %s: %s", pickle_path, exc)
        return
    try:
        with os.fdopen(fd, "wb") as stream:
            pickle.dump((fingerprint, tables), stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(temp_name, 0o644)  # mkstemp creates 0600; the cache is as public as its sources
        os.replace(temp_name, pickle_path)
    finally:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
