"""The three-way merge of a Patient edited on two devices (docs/sync.md, Conflicts)."""

from __future__ import annotations

from typing import Any

from enlace.modules.screening.conflicts import FieldConflict, three_way

BASE: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "p1",
    "meta": {"versionId": "1"},
    "name": [{"family": "Ruiz", "given": ["Ana"]}],
    "gender": "female",
    "telecom": [{"system": "phone", "value": "5512345678"}],
}


def test_changes_to_different_elements_merge() -> None:
    server = {**BASE, "meta": {"versionId": "2"}, "telecom": [{"system": "phone", "value": "1"}]}
    device = {**BASE, "birthDate": "1970-02-03"}
    merge = three_way(BASE, server, device)
    assert merge.conflicts == ()
    assert merge.from_device == ("birthDate",)
    assert merge.merged == {**server, "birthDate": "1970-02-03"}


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    changed = {**BASE, "gender": "other"}
    merge = three_way(BASE, changed, dict(changed))
    assert (merge.conflicts, merge.from_device, merge.merged) == ((), (), changed)


def test_both_changing_one_element_keeps_the_server_value_and_lists_it() -> None:
    server = {**BASE, "telecom": [{"system": "phone", "value": "1"}]}
    device = {**BASE, "telecom": [{"system": "phone", "value": "2"}], "gender": "other"}
    merge = three_way(BASE, server, device)
    assert merge.conflicts == (
        FieldConflict("telecom", BASE["telecom"], server["telecom"], device["telecom"]),
    )
    assert merge.merged["telecom"] == server["telecom"]
    assert merge.merged["gender"] == "other"  # the device's other change still merges


def test_a_removal_is_a_change_like_any_other() -> None:
    device = {k: v for k, v in BASE.items() if k != "telecom"}
    merge = three_way(BASE, dict(BASE), device)
    assert merge.from_device == ("telecom",) and "telecom" not in merge.merged
    server = {**BASE, "telecom": [{"system": "email", "value": "a@b.mx"}]}
    clash = three_way(BASE, server, device)
    assert clash.conflicts[0].device is None and clash.merged["telecom"] == server["telecom"]


def test_id_and_meta_are_the_servers() -> None:
    server = {**BASE, "meta": {"versionId": "3"}}
    device = {**BASE, "id": "other", "meta": {"versionId": "9"}}
    merge = three_way(BASE, server, device)
    assert merge.merged == server and merge.conflicts == ()
