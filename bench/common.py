"""Shared benchmark plumbing: a live `enlace serve`, throwaway databases, Synthea-derived data."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SYNTHEA = ROOT.parent / "shared" / "data" / "synthea-r4"
sys.path.insert(0, str(ROOT))

from tests.support.postgres import fresh_database, postgres_server  # noqa: E402


def machine() -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "commit": commit.stdout.strip() or "uncommitted",
    }


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    with postgres_server() as admin, fresh_database(admin) as url:
        yield url


@contextmanager
def server(
    url: str,
    workdir: Path,
    workers: int = 2,
    port: int = 8765,
    extra_env: dict[str, str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    env = {
        **os.environ,
        **(extra_env or {}),
        "ENLACE_DATABASE_URL": url,
        "ENLACE_VAR_DIR": str(workdir),
        "ENLACE_LOG_REQUESTS": "0",
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "enlace"),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("server did not become ready")
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def synthea_resources() -> list[dict[str, Any]]:
    """Every resource of the 40 Synthea bundles, ids from their urn:uuid fullUrls, references rewritten."""
    resources = []
    for path in sorted(SYNTHEA.glob("*.json")):
        bundle = json.loads(path.read_text())
        mapping = {}
        for entry in bundle["entry"]:
            resource = entry["resource"]
            resource["id"] = entry["fullUrl"].removeprefix("urn:uuid:")
            mapping[entry["fullUrl"]] = f"{resource['resourceType']}/{resource['id']}"
        text = json.dumps([e["resource"] for e in bundle["entry"]])
        for full_url, reference in mapping.items():
            text = text.replace(f'"{full_url}"', f'"{reference}"')
        resources.extend(json.loads(text))
    return resources


_UUID_TAIL = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{6})[0-9a-f]{6}")


def cloned(resources: list[dict[str, Any]], count: int) -> Iterator[bytes]:
    """`count` NDJSON lines: copies of the Synthea resources under fresh ids.

    Every uuid (ids and the references to them) gets the copy number as its last six digits, so
    references stay consistent inside a copy and copies never collide.
    """
    template = [json.dumps(r) for r in resources]
    produced = 0
    for copy in range(10**6):
        replacement = r"\g<1>" + f"{copy:06d}"
        for text in template:
            if produced >= count:
                return
            yield _UUID_TAIL.sub(replacement, text).encode()
            produced += 1


def emit(result: dict[str, Any]) -> None:
    print(json.dumps({**result, **machine()}), flush=True)


def new_id() -> str:
    return str(uuid.uuid4())
