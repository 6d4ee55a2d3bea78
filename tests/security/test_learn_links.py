"""The SMS education link `/learn/{item}?d=…` opens without sign-in, so it is a capability
(OWASP API1, ASVS V4.2.1/V3.5.2): the delivery id hashes (patient, item, cause) and anyone who
knows those ids can compute it, so only a link carrying the id and its 128-bit HMAC under the
server secret marks the delivery opened, finished or answered. A bare or forged id shows the
public item and records nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules import education
from enlace.modules.education.domain import delivery_id
from tests.integration.education.support import NOON, opted_in_patient

ITEM = "hypo-after"


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as test_client:
        yield test_client


def delivered(services: Services) -> tuple[str, str]:
    """A delivery of ITEM to a patient, and the link the SMS carried."""
    patient = opted_in_patient(services)
    with services.db.begin() as conn:
        (delivery,) = education.trigger(conn, patient, "hypoglycaemia", "Flag/f1", NOON)
    key = education.link_key(services.settings.secret_key)
    assert delivery == delivery_id(patient, ITEM, "Flag/f1")  # computable from known ids
    return delivery, education.link_token(key, delivery)


def state(services: Services, delivery: str) -> education.Delivery:
    with services.db.read() as conn:
        found = education.get_delivery(conn, delivery)
    assert found is not None
    return found


def csrf(text: str) -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', text)
    assert token is not None
    return token.group(1)


def forgeries(delivery: str, link: str) -> list[str]:
    mac = link.rpartition(".")[2]
    flipped = ("0" if mac[0] != "0" else "1") + mac[1:]
    return [
        delivery,  # the bare id, computed from the patient's and the condition's ids
        f"{delivery}.{flipped}",  # one hex digit changed
        f"{delivery}.{mac[:16]}",  # a shortened MAC
        f"{delivery}.",
        education.link_token(education.link_key("another server's secret"), delivery),
    ]


def test_the_link_carries_128_bits_of_mac_over_the_delivery_id(services: Services) -> None:
    delivery, link = delivered(services)
    name, _, mac = link.rpartition(".")
    assert name == delivery and re.fullmatch(r"[0-9a-f]{32}", mac)
    key = education.link_key(services.settings.secret_key)
    assert education.delivery_of_link(key, link) == delivery
    for forged in forgeries(delivery, link):
        assert education.delivery_of_link(key, forged) is None, forged


def test_a_bare_or_forged_id_shows_the_item_and_records_nothing(
    client: TestClient, services: Services
) -> None:
    delivery, link = delivered(services)
    for forged in forgeries(delivery, link):
        page = client.get(f"/learn/{ITEM}", params={"d": forged})
        assert page.status_code == 200 and 'id="quiz"' in page.text  # the public item
        assert f'value="{delivery}' not in page.text  # the form does not echo a usable id
        answer = client.post(
            f"/learn/{ITEM}", data={"csrf": csrf(page.text), "d": forged, "answer": "0"}
        )
        assert answer.status_code == 200, forged
        after = state(services, delivery)
        assert (after.opened_us, after.finished_us, after.quiz_correct) == (None, None, None)


def test_the_signed_link_records_the_visit_and_the_answer(
    client: TestClient, services: Services
) -> None:
    delivery, link = delivered(services)
    page = client.get(f"/learn/{ITEM}", params={"d": link})
    assert page.status_code == 200 and f'name="d" value="{link}"' in page.text
    assert state(services, delivery).opened_us is not None
    quiz = education.catalogue().items[ITEM].quiz
    assert quiz is not None
    form = {"csrf": csrf(page.text), "d": link, "answer": str(quiz.answer)}
    assert client.post(f"/learn/{ITEM}", data=form).status_code == 200
    assert state(services, delivery).quiz_correct is True
