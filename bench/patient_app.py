"""The patient app on a slow phone connection (docs/patient-app.md, "Performance"): each page of
/app/ loaded cold (no HTTP cache, no service worker) by headless Chromium with a phone viewport over
a throttled 3G profile (Chrome DevTools Network.emulateNetworkConditions: 1.6 Mbps down, 750 kbps
up, 150 ms round trip), signed in as a patient with two prescriptions and 30 days of glucose and
blood-pressure readings (so the charts are drawn). Reported per page: the median and worst time to
the load event and the bytes transferred (encoded, headers included), and the budgets (1.5 s,
300 KB).

.venv/bin/python bench/patient_app.py [--runs 5]
    [--base http://127.0.0.1:8765 [--seed-database sqlite:///...] --user U]

Without --base it starts its own `enlace serve` (SQLite, two workers) and loads the data; with
--base it measures a running server (and loads the data into it with --seed-database).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, sync_playwright

from common import ROOT, emit, server

PASSWORD = "nopal verde en la azotea"
PATIENT = "bench-app-patient"
PAGES = ("/app/", "/app/readings", "/app/visits", "/app/more")
THREE_G = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8,
           "uploadThroughput": 750_000 / 8}  # fmt: skip
BUDGET_S, BUDGET_BYTES = 1.5, 300 * 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--base")
    parser.add_argument("--user", default="bench.rosa")
    parser.add_argument(
        "--seed-database", help="with --base: load the data into that server's database URL"
    )
    args = parser.parse_args()
    if args.base:
        if args.seed_database:
            seed(args.base, {"ENLACE_DATABASE_URL": args.seed_database}, args.user)
        measure(args.base, args.user, args.runs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'bench.db'}"
        env = {"ENLACE_DATABASE_URL": url, "ENLACE_VAR_DIR": str(workdir)}
        enlace(env, "db", "upgrade")
        with server(url, workdir, port=8766) as (base, _process):
            seed(base, env, args.user)
            measure(base, args.user, args.runs)


def enlace(env: dict[str, str], *args: str, stdin: str = "") -> None:
    subprocess.run([str(ROOT / ".venv" / "bin" / "enlace"), *args], input=stdin, text=True,
                   env={**os.environ, **env}, check=True, capture_output=True)  # fmt: skip


def seed(base: str, env: dict[str, str], user: str) -> None:
    today = datetime.now(UTC).date()
    start, end = (today - timedelta(days=40)).isoformat(), (today + timedelta(days=60)).isoformat()
    resources = [
        {
            "resourceType": "Patient",
            "id": PATIENT,
            "gender": "female",
            "birthDate": "1958-03-09",
            "name": [{"family": "Banco", "given": ["Rosa"]}],
        }
    ]
    for rid, name, per_day in (
        ("bench-rx-1", "Metformina 850 mg", 2),
        ("bench-rx-2", "Losartán 50 mg", 1),
    ):
        resources.append({"resourceType": "MedicationRequest", "id": rid, "status": "active",
                          "intent": "order", "subject": {"reference": f"Patient/{PATIENT}"},
                          "authoredOn": start, "medicationCodeableConcept": {"text": name},
                          "dosageInstruction": [{"text": name, "timing": {"repeat": {
                              "frequency": per_day, "period": 1, "periodUnit": "d"}}}],
                          "dispenseRequest": {"validityPeriod": {"start": start, "end": end},
                                              "numberOfRepeatsAllowed": 2}})  # fmt: skip
    with httpx.Client(base_url=f"{base}/fhir", timeout=30) as client:
        for r in resources:
            answer = client.put(f"/{r['resourceType']}/{r['id']}", json=r,
                                headers={"Content-Type": "application/fhir+json"})  # fmt: skip
            answer.raise_for_status()
    enlace(env, "users", "add", "--username", user, "--role", "patient", "--fhir-user",
           f"Patient/{PATIENT}", "--patient", PATIENT, "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    readings(base, user)


def readings(base: str, user: str) -> None:
    """30 days of morning glucose and blood pressure, uploaded as the app would."""
    with httpx.Client(base_url=base, timeout=60) as client:
        form = client.get("/login").text
        login_csrf = form.split('name="csrf" value="')[1].split('"')[0]
        client.post("/login", data={"csrf": login_csrf, "username": user, "password": PASSWORD,
                                    "next": "/app/"})  # fmt: skip
        csrf = client.get("/app/api/token").json()["csrf"]
        now = datetime.now(UTC)
        items: list[dict[str, Any]] = []
        for day in range(30):
            at = (now - timedelta(days=day, hours=1)).isoformat()
            items.append({"clientId": str(uuid.uuid4()), "kind": "reading", "patient": PATIENT,
                          "capturedAt": at, "measure": "glucose", "unit": "mg/dL",
                          "value": 110 + (day * 7) % 60})  # fmt: skip
            items.append({"clientId": str(uuid.uuid4()), "kind": "reading", "patient": PATIENT,
                          "capturedAt": at, "measure": "bp", "unit": "mmHg",
                          "value": 125 + day % 20, "value2": 80 + day % 10})  # fmt: skip
        answer = client.post("/app/api/sync", json={"items": items}, headers={"X-CSRF-Token": csrf})
        answer.raise_for_status()


def measure(base: str, user: str, runs: int) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        cookies = session(browser, base, user)
        for path in PAGES:
            times, sizes = [], []
            for _ in range(runs):
                seconds, size = cold_load(browser, base, path, cookies)
                times.append(seconds)
                sizes.append(size)
            emit({"bench": "patient_app", "page": path, "runs": runs, "profile": "3G 1.6/0.75 Mbps 150 ms",
                  "load_s_median": round(statistics.median(times), 3), "load_s_max": round(max(times), 3),
                  "bytes_median": int(statistics.median(sizes)), "bytes_max": max(sizes),
                  "within_budget": max(sizes) <= BUDGET_BYTES and statistics.median(times) <= BUDGET_S})  # fmt: skip
        browser.close()


def session(browser: Browser, base: str, user: str) -> list[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/login?next=/app/")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/app/")
    cookies = context.cookies()
    context.close()
    return list(cookies)


def cold_load(browser: Browser, base: str, path: str, cookies: list[Any]) -> tuple[float, int]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  locale="es-MX", service_workers="block")  # fmt: skip
    context.add_cookies(cookies)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", THREE_G)
    sizes: dict[str, float] = {}
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    started = time.perf_counter()
    page.goto(f"{base}{path}", wait_until="load")
    seconds = time.perf_counter() - started
    page.wait_for_timeout(300)  # late loadingFinished events
    context.close()
    return seconds, int(sum(sizes.values()))


if __name__ == "__main__":
    main()
