"""Enlace's own prescription form runs the order-sign hook before issuing: a warning or
critical card stops it for review, applying a suggestion puts the alternative in the form and
checks again, "sign anyway" issues as written (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules.cds.tables import cds_feedback
from tests.integration.cds.cds_support import cds_world, med, outside
from tests.integration.test_prescribe_pages import (
    FORM,
    GOOD,
    as_physician,
    cheap_hasher,
    csrf,
    prescriptions,
)

__all__ = ["cheap_hasher"]

BEFORE = 2  # the two active orders of the world


@pytest.fixture
def world(services: Services) -> Services:
    return cds_world(
        services,
        med("enalapril-10-tab", "rx-enalapril", status="active"),
        outside("J01FA09", "Claritromicina 500 mg", "rx-clarithromycin"),
    )


@pytest.fixture
def web(world: Services) -> Iterator[TestClient]:
    with TestClient(create_app(world), base_url="http://testserver") as client:
        yield client


def selected_medicine(page: str) -> str:
    found = re.search(r'<option value="([^"]+)" selected>', page)
    assert found
    return found.group(1)


def test_a_card_stops_the_form_and_its_suggestion_applies(world: Services, web: TestClient) -> None:
    as_physician(world, web)
    simvastatin = {**GOOD, "medicine": "simvastatin-20-tab", "frequency": "1", "quantity": "30"}
    page = web.post(FORM, data={**simvastatin, "csrf": csrf(web)})
    assert page.status_code == 200, page.text
    assert 'id="cds-cards"' in page.text and "Simvastatina" in page.text
    found = re.search(
        r'name="apply" value="(pravastatin-20-tab\|[^"]+)" class="cds-apply"', page.text
    )
    assert found
    assert prescriptions(world) == BEFORE  # nothing issued before the review
    applied = web.post(FORM, data={**simvastatin, "apply": found.group(1), "csrf": csrf(web)})
    assert applied.status_code == 200
    assert selected_medicine(applied.text) == "pravastatin-20-tab"
    assert "cds-critical" not in applied.text
    issued = web.post(
        FORM,
        data={**simvastatin, "medicine": "pravastatin-20-tab", "reviewed": "1", "csrf": csrf(web)},
    )
    assert 'id="issued"' in issued.text and prescriptions(world) == BEFORE + 1
    assert outcomes(world) == ["accepted"]


def outcomes(world: Services) -> list[str]:
    with world.db.read() as conn:
        return [r.outcome for r in conn.execute(cds_feedback.select())]


def test_sign_anyway_issues_as_written(world: Services, web: TestClient) -> None:
    as_physician(world, web)
    spironolactone = {
        **GOOD,
        "medicine": "spironolactone-25-tab",
        "frequency": "1",
        "quantity": "30",
    }
    page = web.post(FORM, data={**spironolactone, "csrf": csrf(web)})
    assert 'id="sign-anyway"' in page.text and "hiperpotasemia" in page.text
    cards = re.search(r'name="cds_cards" value="([^"]+)"', page.text)
    assert cards
    sign = {**spironolactone, "reviewed": "1", "cds_cards": cards.group(1), "csrf": csrf(web)}
    issued = web.post(FORM, data=sign)
    assert 'id="issued"' in issued.text and prescriptions(world) == BEFORE + 1
    assert outcomes(world) == ["overridden"] * len(cards.group(1).split(","))


def test_no_alert_issues_at_once(world: Services, web: TestClient) -> None:
    as_physician(world, web)
    page = web.post(FORM, data={**GOOD, "csrf": csrf(web)})
    assert 'id="issued"' in page.text and prescriptions(world) == BEFORE + 1
