"""GET /sync/changes on both stores: the patients a CHW synced whose record changed since the
cursor, each once with its current version, paged by a keyset cursor (docs/sync.md)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.modules.screening import sync, sync_changes, sync_protocol
from tests.integration.screening.sync_support import batch, local, person, registration

CHW = sync.Uploader("chw-1", None, lambda _type, _permission: True)


def registered(services: Services, *families: str) -> list[str]:
    syncing = sync.Sync(services.db, services.repo, services.validate, sync.record_screening_item)
    body = batch(*[registration(person(f)) for f in families])
    answer = sync.upload(syncing, sync_protocol.parse_batch(body), CHW)
    return [local(item["patient"]) for item in answer["items"]]


def changed(services: Services, since: int, actor: str = "chw-1", limit: int = 100) -> Any:
    with services.db.read() as conn:
        return sync_changes.changes(conn, services.repo, actor, since, limit=limit, settle_us=0)


def test_the_feed_lists_changed_patients_once_each_from_the_cursor(services: Services) -> None:
    ana, luis = registered(services, "Ruiz", "Soto")
    with services.db.begin() as conn:  # the clinic corrects Ana's record
        current = services.repo.read(conn, "Patient", ana).resource()
        services.repo.update(conn, {**current, "birthDate": "1970-01-02"}, ana)
    first = changed(services, 0)
    assert [(c["patient"], c["version"]) for c in first["changes"]] == [
        (f"Patient/{luis}", 1),
        (f"Patient/{ana}", 2),
    ]
    assert first["changes"][1]["resource"]["birthDate"] == "1970-01-02"
    assert changed(services, int(first["next"]))["changes"] == []
    with services.db.begin() as conn:
        current = services.repo.read(conn, "Patient", luis).resource()
        services.repo.update(conn, {**current, "gender": "male"}, luis)
    later = changed(services, int(first["next"]))
    assert [c["patient"] for c in later["changes"]] == [f"Patient/{luis}"]
    assert changed(services, 0, actor="chw-2")["changes"] == []


def test_pages_follow_the_cursor(services: Services) -> None:
    ids = registered(services, "A", "B", "C")
    seen: list[str] = []
    cursor = 0
    while True:
        page = changed(services, cursor, limit=2)
        seen += [local(c["patient"]) for c in page["changes"]]
        cursor = int(page["next"])
        if not page["more"]:
            break
    assert seen == ids


def test_the_cursor_is_checked(client: TestClient) -> None:
    for bad in ("-1", "abc", "9" * 30):
        answer = client.get(f"/sync/changes?since={bad}")
        assert answer.status_code == 400
        assert answer.json()["issue"][0]["expression"] == ["since"]
    fresh = client.get("/sync/changes")
    assert fresh.status_code == 200
    assert fresh.json() == {"changes": [], "next": "0", "more": False}
