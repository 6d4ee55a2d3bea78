"""The analytics dashboards through the HTTP app on both stores (dashboard_support's world):
values by hand, suppression for roles without identity rights on the page and in every
download, drill-down, the physician's patient list, scoping to one's own clinic, empty store
"no calculable" (never 0), the monthly PDF, the clinics of excellence explanation."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterator

import duckdb
import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from tests.integration.analytics.dashboard_support import PERIOD, seed
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]
BOARDS = {"public-health": "regulator", "payer": "payer", "network": "analyst"}


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def seeded(services: Services) -> Services:
    seed(services)
    return services


def row(page: str, indicator: str, unit: str) -> str:
    start = page.index(f'id="row-{indicator}-{unit}"')
    return page[start : page.index("</tr>", start)]


def value(html_row: str) -> str:
    found = re.search(r'<td class="value">(.*?)</td>', html_row, re.S)
    assert found
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_empty_store_every_board_says_not_computable(services: Services, web: TestClient) -> None:
    for board, role in BOARDS.items():
        web.cookies.clear()
        sign_in_as(services, web, f"u-{role}", role)
        page = web.get(f"/analytics/{board}?period={PERIOD}")
        assert page.status_code == 200, page.text
        assert "Sin datos para este periodo" in page.text
        assert '<td class="value">0' not in page.text
        csv_rows = list(csv.DictReader(io.StringIO(
            web.get(f"/analytics/{board}/download.csv?period={PERIOD}").text)))  # fmt: skip
        if board == "network":  # no network exists yet: no row at all
            assert csv_rows == [] and 'id="row-' not in page.text
            continue
        assert "no calculable" in page.text
        assert csv_rows and {r["status"] for r in csv_rows} == {"not computable"}
        assert {r["value"] for r in csv_rows} == {""}


def test_regulator_drills_down_with_small_cells_suppressed(
    seeded: Services, web: TestClient
) -> None:
    sign_in_as(seeded, web, "regulador", "regulator")
    national = web.get(f"/analytics/public-health?period={PERIOD}&indicator=dm2_hba1c_lt7")
    assert national.status_code == 200, national.text
    assert value(row(national.text, "dm2_hba1c_lt7", "MX")) == "60.34"  # 35 / 58
    assert 'href="/analytics/public-health?period=2026-09&amp;level=state' in national.text
    clinics = web.get(f"/analytics/public-health?period={PERIOD}&level=clinic&unit=state:14"
                      "&indicator=dm2_hba1c_lt7").text  # fmt: skip
    assert value(row(clinics, "dm2_hba1c_lt7", "umf-c")) == "50"
    for small in ("umf-b", "umf-a"):  # 4 patients, and its complement
        cell = row(clinics, "dm2_hba1c_lt7", small)
        assert "&lt; 11" in cell and "suprimido: menos de 11" in cell
        assert ">2<" not in cell and ">4<" not in cell and ">18<" not in cell
    assert 'id="patients"' not in clinics
    refused = web.get(f"/analytics/public-health?period={PERIOD}&level=patient&unit=physician:dr-b")
    assert refused.status_code == 400 and "P" + "umf-b-0" not in refused.text
    english = web.get(f"/analytics/public-health?period={PERIOD}&level=clinic&lang=en").text
    assert "Public health" in english and "suppressed: fewer than 11" in english


def test_downloads_carry_the_suppression_of_the_role(seeded: Services, web: TestClient) -> None:
    sign_in_as(seeded, web, "analista", "analyst")
    query = f"period={PERIOD}&level=clinic&indicator=dm2_hba1c_lt7"
    text = web.get(f"/analytics/network/download.csv?{query}")
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/csv")
    rows = {(r["indicator"], r["unit"]): r for r in csv.DictReader(io.StringIO(text.text))}
    for small in ("umf-a", "umf-b"):
        hidden = rows[("dm2_hba1c_lt7", small)]
        assert hidden["status"] == "suppressed"
        assert (hidden["numerator"], hidden["denominator"], hidden["value"]) == ("", "", "")
    shown = rows[("dm2_hba1c_lt7", "umf-c")]
    assert (shown["numerator"], shown["denominator"], shown["value"]) == ("15", "30", "50.0")
    parquet = web.get(f"/analytics/network/download.parquet?{query}")
    assert parquet.status_code == 200 and parquet.content[:4] == b"PAR1"
    with tempfile.NamedTemporaryFile(suffix=".parquet") as file:
        file.write(parquet.content)
        file.flush()
        found = dict(duckdb.sql(
            f"SELECT unit, value FROM '{file.name}' WHERE indicator = 'dm2_hba1c_lt7'"
        ).fetchall())  # fmt: skip
    assert found == {"umf-a": None, "umf-b": None, "umf-c": 50.0}
    # the administrator may see small cells: 2 of 4
    web.cookies.clear()
    sign_in_as(seeded, web, "admin", "administrator")
    admin = {(r["indicator"], r["unit"]): r for r in csv.DictReader(io.StringIO(
        web.get(f"/analytics/network/download.csv?{query}").text))}  # fmt: skip
    assert admin[("dm2_hba1c_lt7", "umf-b")]["value"] == "50.0"
    assert admin[("dm2_hba1c_lt7", "umf-a")]["value"] == "75.0"


def test_physician_panel_lists_own_patients(seeded: Services, web: TestClient) -> None:
    sign_in_as(seeded, web, "dr.a", "physician", organization="umf-a",
               fhir_user="Practitioner/dr-a")  # fmt: skip
    panel = web.get(f"/analytics/panel?period={PERIOD}&indicator=dm2_hba1c_lt7")
    assert panel.status_code == 200, panel.text
    assert value(row(panel.text, "dm2_hba1c_lt7", "dr-a")) == "75"  # 18 / 24, own row shown
    assert 'id="row-dm2_hba1c_lt7-dr-c"' not in panel.text
    listed = web.get(f"/analytics/panel?period={PERIOD}&indicator=dm2_hba1c_lt7&level=patient")
    names = re.findall(r'<a href="/patients/(umf-[a-c]-\d+)">', listed.text)
    assert len(names) == 24 and all(n.startswith("umf-a-") for n in names)
    csv_rows = list(csv.DictReader(io.StringIO(web.get(
        f"/analytics/panel/download.csv?period={PERIOD}&indicator=dm2_hba1c_lt7&level=patient"
    ).text)))  # fmt: skip
    assert sum(r["level"] == "patient" for r in csv_rows) == 24
    # another physician's patients: the unit is the physician's own whatever is asked
    other = web.get(f"/analytics/panel?period={PERIOD}&level=patient&unit=physician:dr-c")
    assert "umf-c-" not in other.text
    clinic = web.get(f"/analytics/clinic?period={PERIOD}").text
    assert 'id="row-dm2_hba1c_lt7-umf-a"' in clinic and "umf-c" not in clinic


def test_monthly_report_pdf(seeded: Services, web: TestClient) -> None:
    sign_in_as(seeded, web, "enf", "nurse", organization="umf-c", fhir_user="Practitioner/n1")
    pdf = web.get(f"/analytics/report.pdf?clinic=umf-c&period={PERIOD}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert b"UMF-C" in pdf.content and b"Reporte mensual de indicadores" in pdf.content
    assert web.get(f"/analytics/report.pdf?clinic=umf-a&period={PERIOD}").status_code == 403
    assert web.get(f"/analytics/report.pdf?period={PERIOD}").status_code == 400
    web.cookies.clear()
    sign_in_as(seeded, web, "reg", "regulator")
    state = web.get(f"/analytics/report.pdf?state=14&period={PERIOD}&lang=en")
    assert state.status_code == 200 and b"60.34" in state.content
    assert web.get(f"/analytics/report.pdf?state=99&period={PERIOD}").status_code == 404


def test_clinics_of_excellence_explained(seeded: Services, web: TestClient) -> None:
    sign_in_as(seeded, web, "reg2", "regulator")
    board = web.get(f"/analytics/public-health?period={PERIOD}").text
    assert (
        'id="excellence"' in board and 'href="/analytics/excellence/umf-c?period=2026-09"' in board
    )
    why = web.get(f"/analytics/excellence/umf-c?period={PERIOD}")
    assert why.status_code == 200 and 'id="why"' in why.text
    assert web.get(f"/analytics/excellence/nowhere?period={PERIOD}").status_code == 404


def test_bad_input_and_other_roles(seeded: Services, web: TestClient) -> None:
    sign_in_as(seeded, web, "pharm", "pharmacist")
    assert web.get("/analytics/public-health").status_code == 403
    web.cookies.clear()
    sign_in_as(seeded, web, "reg3", "regulator")
    assert web.get("/analytics/public-health?period=2026-13").status_code == 400
    assert web.get("/analytics/public-health?indicator=nope").status_code == 400
    assert web.get("/analytics/public-health?level=clinic&unit=clinic:x").status_code == 400
    assert web.get("/analytics/nowhere").status_code == 404
    assert web.get("/analytics/public-health/download.xlsx").status_code == 404
