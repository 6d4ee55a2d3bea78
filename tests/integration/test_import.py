"""`enlace import`: all 40 Synthea bundles round-trip; re-import is idempotent; bad files write nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from enlace.interactions.bulk_import import import_paths
from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from tests.conftest import SYNTHEA


def _without_meta(resource: dict) -> dict:  # type: ignore[type-arg]
    return {k: v for k, v in resource.items() if k != "meta"}


def _sent(path: Path) -> list[dict]:  # type: ignore[type-arg]
    """What each bundle sends, with urn:uuid references in the form the server must store."""
    bundle = json.loads(path.read_text())
    text = json.dumps([e["resource"] for e in bundle["entry"]])
    for entry in bundle["entry"]:
        uuid = entry["fullUrl"].removeprefix("urn:uuid:")
        text = text.replace(
            f'"{entry["fullUrl"]}"', f'"{entry["resource"]["resourceType"]}/{uuid}"'
        )
    resources = json.loads(text)
    for entry, resource in zip(bundle["entry"], resources, strict=True):
        resource["id"] = entry["fullUrl"].removeprefix("urn:uuid:")
    return resources


def test_all_synthea_bundles_read_back_equal(services: Services) -> None:
    files = sorted(SYNTHEA.glob("*.json"))
    assert len(files) == 40
    report = import_paths(services, files)
    sent = [resource for path in files for resource in _sent(path)]
    distinct = {(r["resourceType"], r["id"]) for r in sent}
    # a few Organizations and Practitioners recur, identical, across bundles: stored once
    assert report.counts == {
        "created": len(distinct),
        "updated": 0,
        "unchanged": len(sent) - len(distinct),
    }
    assert report.resources == len(sent) > 5000
    with services.db.read() as conn:
        for resource in sent:
            stored = services.repo.read(conn, resource["resourceType"], resource["id"]).resource()
            assert _without_meta(stored) == _without_meta(resource), resource["id"]
    again = import_paths(services, files)
    assert again.counts == {"created": 0, "updated": 0, "unchanged": report.resources}


def test_ndjson_import_updates_only_what_changed(services: Services, tmp_path: Path) -> None:
    lines = [{"resourceType": "Patient", "id": f"p{n}", "active": True} for n in range(3)]
    source = tmp_path / "patients.ndjson"
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    assert import_paths(services, [source]).counts["created"] == 3
    lines[1]["active"] = False
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    assert import_paths(services, [source]).counts == {"created": 0, "updated": 1, "unchanged": 2}
    with services.db.read() as conn:
        assert services.repo.read(conn, "Patient", "p1").version_id == 2


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (
            b'{"resourceType":"Patient","id":"ok"}\n{"resourceType":"Patient","id":"bad","gender":"robot"}\n',
            ":2",
        ),
        (b'{"resourceType":"Patient","id":"ok"}\n{not json\n', ":2"),
        (b'{"resourceType":"Patient"}\n', ":1"),
    ],
)
def test_a_file_with_one_bad_line_writes_nothing(
    services: Services, tmp_path: Path, content: bytes, fragment: str
) -> None:
    source = tmp_path / "bad.ndjson"
    source.write_bytes(content)
    with pytest.raises(FhirError) as caught:
        import_paths(services, [source])
    assert fragment in caught.value.message
    with services.db.read() as conn:
        assert services.repo.current(conn, "Patient", "ok") is None


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ({"request": {"method": "DELETE", "url": "Patient/x"}}, "no resource"),
        (
            {
                "resource": {"resourceType": "Patient"},
                "request": {"method": "POST", "url": "Patient", "ifNoneExist": "identifier=a|b"},
            },
            "conditional entry",
        ),
        (
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"text": "x"},
                    "subject": {"reference": "Patient?identifier=a|b"},
                }
            },
            "conditional reference",
        ),
    ],
)
def test_bundle_entries_needing_rest_semantics_are_refused(
    services: Services, tmp_path: Path, entry: dict, fragment: str
) -> None:  # type: ignore[type-arg]
    good = {
        "fullUrl": "urn:uuid:5f0c2f6e-1b1a-4c8e-9d3e-000000000001",
        "resource": {"resourceType": "Patient"},
    }
    source = tmp_path / "bundle.json"
    source.write_text(
        json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": [good, entry]})
    )
    with pytest.raises(FhirError) as caught:
        import_paths(services, [source])
    assert fragment in caught.value.message and "Bundle.entry[1]" in caught.value.message
    with services.db.read() as conn:
        assert (
            services.repo.current(conn, "Patient", "5f0c2f6e-1b1a-4c8e-9d3e-000000000001") is None
        )
