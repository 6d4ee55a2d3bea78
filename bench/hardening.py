"""What the HTTP hardening layer costs per request, in process (no network, no database).

Each case drives an ASGI request through a trivial application, bare and wrapped by `harden()`,
and reports the difference in µs per request (best of 5 runs each: the machine is shared, and
the fastest run is the one least disturbed). Also: the JSON shape check on typical and hostile
bodies, and how long a hostile 10 MB body takes to be refused.

.venv/bin/python bench/hardening.py [--requests 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import time
from dataclasses import replace
from typing import Any

import orjson

from common import SYNTHEA, emit
from enlace.entrypoints.http.hardening import harden
from enlace.kernel.errors import FhirError
from enlace.kernel.settings import Settings
from enlace.security.limits import check_json_body

JWT = b"Bearer e30." + base64.urlsafe_b64encode(b'{"client_id":"bench-app"}').rstrip(b"=") + b".sig"
ORIGIN = "https://app.example"


async def inner(scope: Any, receive: Any, send: Any) -> None:
    """Reads the body and answers a small FHIR JSON response, like a by-id read or write."""
    if scope["method"] in ("POST", "PUT"):
        while (await receive()).get("more_body"):
            pass
    headers = [(b"content-type", b"application/fhir+json; charset=utf-8"), (b"etag", b'W/"1"')]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b'{"resourceType":"Patient","id":"1"}'})


def scope_of(method: str, headers: list[tuple[bytes, bytes]], query: bytes = b"") -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": "/fhir/Patient/1" if method == "GET" else "/fhir/Patient",
        "query_string": query,
        "headers": headers,
        "scheme": "http",
        "client": ("10.0.0.7", 50000),
    }


async def drive(app: Any, scope: dict[str, Any], body: bytes, requests: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(_message: Any) -> None:
        return None

    started = time.perf_counter()
    for _ in range(requests):
        await app(dict(scope), receive, send)
    return (time.perf_counter() - started) / requests * 1e6


def overhead(settings: Settings, scope: dict[str, Any], body: bytes, requests: int) -> float:
    hardened = harden(inner, settings)
    bare, wrapped = [], []
    for _ in range(5):
        bare.append(asyncio.run(drive(inner, scope, body, requests)))
        wrapped.append(asyncio.run(drive(hardened, scope, body, requests)))
    return round(min(wrapped) - min(bare), 2)


def shape_us(body: bytes, repeat: int) -> float:
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeat):
            with contextlib.suppress(FhirError):  # hostile bodies are refused: that is timed
                check_json_body(body, 64, 1_000_000)
        timings.append((time.perf_counter() - started) / repeat * 1e6)
    return round(min(timings), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    n = parser.parse_args().requests
    plain = Settings(log_requests=False)
    full = replace(plain, rate_limit_per_second=1e9, rate_limit_burst=10**9, cors_origins=(ORIGIN,))
    bundle = max(SYNTHEA.glob("*.json"), key=lambda p: p.stat().st_size).read_bytes()
    resource = orjson.dumps(orjson.loads(bundle)["entry"][0]["resource"])
    patient = orjson.dumps({"resourceType": "Patient", "name": [{"family": "García"}]})
    json_headers = [(b"content-type", b"application/fhir+json"), (b"content-length", b"1")]
    browser = [(b"authorization", JWT), (b"origin", ORIGIN.encode()), (b"accept", b"*/*")]
    emit(
        {
            "bench": "hardening",
            "requests": n,
            "get_defaults_us": overhead(plain, scope_of("GET", [(b"accept", b"*/*")]), b"", n),
            "get_rate_limit_cors_jwt_us": overhead(full, scope_of("GET", browser), b"", n),
            "get_query_5_params_us": overhead(
                plain,
                scope_of("GET", [], b"name=a&birthdate=ge1970&_count=10&gender=f&_sort=name"),
                b"",
                n,
            ),
            "post_patient_us": overhead(plain, scope_of("POST", json_headers), patient, n),
            "post_3kb_resource_us": overhead(plain, scope_of("POST", json_headers), resource, n),
            "shape_patient_us": shape_us(patient, 20000),
            "shape_3kb_resource_us": shape_us(resource, 5000),
            "shape_synthea_bundle_us": shape_us(bundle, 20),
            "bundle_bytes": len(bundle),
            "refuse_10mb_empty_objects_us": shape_us(b"[" + b"{}," * 3_500_000 + b"{}]", 2),
            "refuse_10mb_nested_us": shape_us(b"[" * 5_000_000 + b"]" * 5_000_000, 2),
            "refuse_10mb_63_deep_units_us": shape_us(
                b"[" + b",".join([b"[" * 62 + b"]" * 62] * 84_000) + b"]", 2
            ),
        }
    )


if __name__ == "__main__":
    main()
