"""The regulator's procurement page through the HTTP app (both stores): saved analyses of the
Mexican samples (OCDS and CompraNet CSV) and of priced medicine awards; who may see it; bad
input as a friendly 4xx page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules.catalog import formulary
from enlace.modules.procurement import flag_releases, procurement_report, save_report
from tests.conftest import SHARED
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]

SAMPLES = SHARED / "data" / "procurement-mx"
WHEN = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def priced_awards() -> list[dict[str, object]]:
    """Three metformin awards at 1.5, 4 and 2.5 times the reference (CNIS-keyed)."""
    metformin = next(m for m in formulary() if m.slug == "metformin-850-tab")
    releases = []
    for n, times in enumerate((1.5, 4.0, 2.5)):
        item = {
            "description": "METFORMINA 850 MG",
            "classification": {"scheme": "CNIS", "id": metformin.cnis},
            "unit": {
                "value": {"amount": metformin.price_centavos * times / 100, "currency": "MXN"}
            },
        }
        releases.append(
            {"ocid": f"ocds-test-{n}", "awards": [{"status": "active", "items": [item]}]}
        )
    return releases


@pytest.fixture
def var_dir(services: Services) -> Path:
    return services.settings.var_dir / "procurement"


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def saved(var_dir: Path) -> None:
    if not SAMPLES.is_dir():
        pytest.skip(f"the Mexican samples are not at {SAMPLES}")
    for sample in ("compranet_csv_sample", "compranet_ocds_sample"):
        save_report(procurement_report(SAMPLES / sample), var_dir, WHEN)
    priced = flag_releases(priced_awards())
    priced.source = "priced-awards"
    save_report(priced, var_dir, WHEN, name="priced-awards")


def test_regulator_sees_the_flags_of_the_samples(
    web: TestClient, services: Services, saved: None
) -> None:
    sign_in_as(services, web, "regulador", "regulator")
    page = web.get("/procurement")
    assert page.status_code == 200, page.text
    text = page.text
    assert 'href="/procurement" aria-current="page"' in text
    datasets = text[text.index('id="datasets"') : text.index("</table>")]
    assert datasets.count('href="/procurement?report=') == 3 and "1,496" in datasets
    assert "R003 · Periodo de presentación corto" in text  # the first report is the CSV's
    assert "Alertas 1 a 50 de 728" in text and 'id="next"' in text
    assert "is shorter than the threshold of 15 days" in text
    assert 'id="no-prices"' in text and "<caption>" in text
    last = web.get("/procurement", params={"report": "compranet_csv_sample", "page": "15"})
    assert "Alertas 701 a 728 de 728" in last.text and 'id="next"' not in last.text
    ocds = web.get("/procurement", params={"report": "compranet_ocds_sample"})
    assert ocds.status_code == 200 and 'id="no-flags"' in ocds.text
    assert "<script" not in text and "style=" not in text


def test_price_versus_reference_worst_first(
    web: TestClient, services: Services, saved: None
) -> None:
    sign_in_as(services, web, "analista", "analyst")
    page = web.get("/procurement", params={"report": "priced-awards", "lang": "en"})
    assert page.status_code == 200
    text = page.text
    table = text[text.index('id="prices"') : text.index("</table>", text.index('id="prices"'))]
    assert [table.index(f"ocds-test-{n}") for n in (1, 2, 0)] == sorted(
        table.index(f"ocds-test-{n}") for n in (1, 2, 0)
    )
    assert "4.00" in table and "2.50" in table and "1.50" in table
    assert table.count("<strong>Yes</strong>") == 2  # over twice the reference
    assert "the worst overpayments first" in text


def test_indicator_filter(web: TestClient, services: Services, saved: None) -> None:
    sign_in_as(services, web, "admin", "administrator")
    page = web.get("/procurement", params={"report": "compranet_csv_sample", "indicator": "r003"})
    assert page.status_code == 200 and "Alertas de R003" in page.text
    empty = web.get("/procurement", params={"report": "compranet_csv_sample", "indicator": "R018"})
    assert 'id="no-flags"' in empty.text


def test_no_saved_reports_yet(web: TestClient, services: Services) -> None:
    sign_in_as(services, web, "regulador", "regulator")
    page = web.get("/procurement")
    assert page.status_code == 200 and 'id="no-reports"' in page.text


def test_unreadable_report_is_a_warning(web: TestClient, services: Services, var_dir: Path) -> None:
    var_dir.mkdir(parents=True)
    (var_dir / "broken.json").write_text("{")
    sign_in_as(services, web, "regulador", "regulator")
    page = web.get("/procurement")
    assert page.status_code == 200 and "broken.json" in page.text


@pytest.mark.parametrize("role", ["patient", "pharmacist", "physician", "payer"])
def test_other_roles_are_refused(web: TestClient, services: Services, role: str) -> None:
    extra = {"patients": ("p1",)} if role == "patient" else {}
    sign_in_as(services, web, f"u-{role}", role, **extra)
    assert web.get("/procurement").status_code == 403
    assert 'href="/procurement"' not in web.get("/account").text


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"report": "no-such-report"}, 404),
        ({"report": "../etc/passwd"}, 400),
        ({"indicator": "R999"}, 400),
        ({"page": "0"}, 400),
        ({"page": "abc"}, 400),
        ({"report": "compranet_csv_sample", "page": "16"}, 400),
    ],
)
def test_bad_input(
    web: TestClient, services: Services, saved: None, params: dict[str, str], status: int
) -> None:
    sign_in_as(services, web, "regulador", "regulator")
    response = web.get("/procurement", params=params)
    assert response.status_code == status
    assert "Traceback" not in response.text
