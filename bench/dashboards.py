"""Dashboard pages benchmark (issue 13 part 5): the p50/p95 wall time of each analytics
dashboard page, served in-process (FastAPI TestClient: routing, session, indicators, charts,
template; no network) over a populated store — the synthetic materialized views of
bench/indicators.py written into the analytics DuckDB file the pages read. Target p95 <= 500 ms.
Prints one JSON line.

    .venv/bin/python bench/dashboards.py --patients 20000 --requests 15
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from typing import Any

import duckdb
from fastapi.testclient import TestClient

from common import emit
from enlace.bootstrap import build
from enlace.entrypoints.http.app import create_app
from enlace.entrypoints.web import analytics_views
from enlace.kernel.clock import epoch_us
from enlace.kernel.settings import Settings
from enlace.modules import analytics
from enlace.security import users
from indicators import synthetic

PERIOD = "2026-09"
PAGES = {  # name: (role, account fields, path)
    "public_health_national": ("regulator", {}, "/analytics/public-health"),
    "public_health_clinics": ("regulator", {}, "/analytics/public-health?level=clinic"),
    "payer": ("payer", {"organization": "payer1"}, "/analytics/payer"),
    "network": ("analyst", {}, "/analytics/network"),
    "clinic": ("nurse", {"organization": "c1"}, "/analytics/clinic"),
    "panel": ("physician", {"organization": "c1", "fhir_user": "Practitioner/dr1"},
              "/analytics/panel"),
    "panel_patients": ("physician", {"organization": "c1", "fhir_user": "Practitioner/dr1"},
                       "/analytics/panel?level=patient"),
    "download_csv": ("analyst", {}, "/analytics/network/download.csv?level=clinic"),
    "download_parquet": ("analyst", {}, "/analytics/network/download.parquet?level=clinic"),
}  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def sign_in(
    services: Any, client: TestClient, name: str, role: str, fields: dict[str, Any]
) -> None:
    now = epoch_us(services.repo.clock())
    with services.db.begin() as conn:
        user = users.add_user(conn, username=name, password="bench password 1234", role=role,
                              now_us=now, **fields)  # fmt: skip
        client.cookies.set("enlace_session", users.start_session(conn, user, now, False))


COLD_REPEATS = 3


def timed(client: TestClient, url: str, clear: bool = False) -> float:
    """Wall seconds of one request; `clear`: as the first viewer after a refresh."""
    if clear:
        analytics_views.clear_cache()
    began = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, url
    return time.perf_counter() - began


def page_figures(services: Any, requests: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with TestClient(create_app(services), base_url="http://testserver") as client:
        for index, (name, (role, fields, path)) in enumerate(PAGES.items()):
            client.cookies.clear()
            sign_in(services, client, f"bench{index}", role, fields)
            url = f"{path}{'&' if '?' in path else '?'}period={PERIOD}&indicator=dm2_hba1c_lt7"
            assert client.get(url).status_code == 200, (name, url)  # warm: first-use imports
            cold = [timed(client, url, clear=True) for _ in range(COLD_REPEATS)]
            warm = [timed(client, url) for _ in range(requests)]
            out[name] = {
                "cold_p50_ms": round(1000 * statistics.median(cold)),
                "cold_max_ms": round(1000 * max(cold)),
                "p50_ms": round(1000 * statistics.median(warm)),
                "p95_ms": round(1000 * percentile(warm, 0.95)),
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(database_url=f"sqlite:///{tmp}/bench.db", var_dir=tmp)
        services = build(settings)
        con = duckdb.connect(str(analytics.duckdb_path(settings)))
        rows = synthetic(con, args.patients)
        con.close()
        pages = page_figures(services, args.requests)
    worst = max(p["p95_ms"] for p in pages.values())
    cold = max(p["cold_p50_ms"] for p in pages.values())
    emit({"bench": "dashboards", "patients": args.patients, "requests": args.requests,
          "view_rows": rows, "pages": pages, "worst_warm_p95_ms": worst,
          "worst_cold_p50_ms": cold, "target_p95_ms": 500, "warm_met": worst <= 500,
          "cold_met": cold <= 500})  # fmt: skip


if __name__ == "__main__":
    main()
