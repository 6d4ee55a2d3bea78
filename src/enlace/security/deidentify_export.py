"""A de-identified bulk export (`$export?_deidentify=safe-harbor`): what the export job calls.

The job tallies the export's patients first (`admit_patients`), which decides who is published
with an exact birth year, with a 5-year band, or withheld for k-anonymity; then every NDJSON line
goes through `transform`; the manifest reports what was withheld (`manifest_extension`,
`outcome`). Pure: the job hands it bytes and writes what it returns.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

import orjson

from enlace.kernel import errors

from .deidentify import QUASI_IDENTIFIERS, Deidentifier
from .deidentify_stats import Release

METHOD = "safe-harbor"
DEFAULT_K = 11
EXTENSION_URL = "https://enlace.health/fhir/StructureDefinition/deidentification"
OUTCOME_FILE = "OperationOutcome-deidentification.ndjson"


def requested_k(deidentify: str | None, k: str | None) -> int | None:
    """The k of a de-identified export request (None: not de-identified), or a 400 naming the
    parameter: `_deidentify` must be `safe-harbor`; `_k` an integer of at least 2, only with it."""
    if deidentify is None:
        if k is not None:
            raise errors.bad_request("_k applies only with _deidentify=safe-harbor", "_k")
        return None
    if deidentify != METHOD:
        raise errors.bad_request(
            f"_deidentify '{deidentify}' is not supported; use {METHOD}", "_deidentify"
        )
    if k is None:
        return DEFAULT_K
    if not k.isdigit() or int(k) < 2:
        raise errors.bad_request(f"_k must be an integer of at least 2, got '{k}'", "_k")
    return int(k)


def export_secret(secret_key: str) -> bytes:
    """The pseudonym key, derived from the server secret so it is never the secret itself."""
    return hmac.new(secret_key.encode(), b"enlace de-identified export v1", hashlib.sha256).digest()


class DeidentifiedExport:
    def __init__(self, secret: bytes, k: int, as_of: date) -> None:
        self.k = k
        self.deidentifier = Deidentifier(secret, as_of=as_of)
        self.release: Release | None = None
        self.withheld: Counter[str] = Counter()  # resources withheld, by type

    def admit_patients(self, patients: Iterable[bytes]) -> Release:
        """Tally every patient of the export's scope (NDJSON lines) before any file is written."""
        self.release = self.deidentifier.release_patients(
            (orjson.loads(content) for content in patients), self.k
        )
        return self.release

    def transform(self, resource_type: str, content: bytes) -> bytes | None:
        published = self.deidentifier.resource(orjson.loads(content))
        if published is None:
            self.withheld[resource_type] += 1
            return None
        return orjson.dumps(published)

    def manifest_extension(self) -> dict[str, Any]:
        release = self._release()
        return {
            EXTENSION_URL: {
                "method": METHOD,
                "k": self.k,
                "quasiIdentifiers": list(QUASI_IDENTIFIERS),
                "patients": release.before.records,
                "patientsGeneralized": len(release.generalized_ids),
                "patientsSuppressed": len(release.suppressed_ids),
                "smallestClass": release.after.smallest_class,
                "resourcesSuppressed": dict(sorted(self.withheld.items())),
            }
        }

    def outcome(self) -> dict[str, Any] | None:
        """An OperationOutcome saying what was generalized or withheld and why, if anything was."""
        release = self._release()
        issues = []
        if release.generalized_ids:
            issues.append(
                _information(
                    f"{len(release.generalized_ids)} patients have their birth year published "
                    f"as a 5-year band: with their exact year, fewer than {self.k} patients "
                    "shared their birth year, gender and region"
                )
            )
        if release.suppressed_ids:
            resources = sum(self.withheld.values())
            issues.append(
                _information(
                    f"{len(release.suppressed_ids)} patients and {resources} resources "
                    f"(the patients included) were withheld: fewer than {self.k} patients shared "
                    "their birth year band, gender and region (k-anonymity)"
                )
            )
        elif self.withheld:
            issues.append(
                _information(f"{sum(self.withheld.values())} resources could not be de-identified")
            )
        return {"resourceType": "OperationOutcome", "issue": issues} if issues else None

    def _release(self) -> Release:
        if self.release is None:
            raise RuntimeError("admit_patients must run before the export is written")
        return self.release


def _information(diagnostics: str) -> dict[str, str]:
    return {"severity": "information", "code": "suppressed", "diagnostics": diagnostics}
