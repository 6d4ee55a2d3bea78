"""A client id belongs to the patient who sent it: patient A's app sending patient B's client id
is refused 409 at `clientId` and never answered with B's logged reading or check-off."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from enlace.interactions.context import Services
from enlace.modules import engagement
from tests.integration.engagement.support import OTHER, OTHERS_RX, PATIENT, dose, reading, world

A_APP = engagement.Actor("user-pa1", (PATIENT,), "app")
B_APP = engagement.Actor("user-pb1", (OTHER,), "app")


@pytest.fixture
def ready(services: Services) -> Services:
    world(services)
    return services


def upload(services: Services, actor: engagement.Actor, item: dict[str, Any]) -> Any:
    return engagement.sync(services.db, services.repo, actor, {"items": [item]})["items"][0]


@pytest.mark.parametrize(
    ("b_item", "a_item"),
    [(reading("shared-01", value=187, pid=OTHER), reading("shared-01", value=187)),
     (dose("shared-02", OTHERS_RX, pid=OTHER), dose("shared-02"))],
)  # fmt: skip
def test_another_patients_client_id_is_refused_without_their_answer(
    ready: Services, b_item: dict[str, Any], a_item: dict[str, Any]
) -> None:
    assert upload(ready, B_APP, b_item)["status"] == "created"
    answer = upload(ready, A_APP, a_item)
    assert answer["status"] == "refused" and answer["httpStatus"] == 409
    assert answer["outcome"]["issue"][0]["expression"] == ["items[0].clientId"]
    shown = orjson.dumps(answer).decode()
    assert OTHER not in shown and "187" not in shown and "Insulina" not in shown
