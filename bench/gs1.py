"""GS1 scan parsing: our hot path against biip, per form (DataMatrix, human-readable, Digital Link).

.venv/bin/python bench/gs1.py [--codes 20000]

Parses N distinct pack codes in each form, one at a time as a scanner would hand them over, and
reports p50/p99 microseconds per parse for `enlace.modules.trace` and for biip.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_messages import GS1Message

from common import emit
from enlace.modules.catalog.domain import synthetic_gtin14
from enlace.modules.trace.gs1 import (
    GS1Code,
    datamatrix_content,
    hri,
    parse_element_string,
    parse_hri,
)
from enlace.modules.trace.gs1_link import digital_link, parse_digital_link


def codes(count: int) -> list[GS1Code]:
    return [
        GS1Code(
            gtin=synthetic_gtin14(i % 500),
            lot=f"L{i % 977:05d}-A",
            serial=f"SN{i:012d}",
            expiry=f"{27 + i % 5:02d}{1 + i % 12:02d}00",
        )
        for i in range(count)
    ]


def timed(parse: Callable[[str], object], inputs: list[str]) -> dict[str, float]:
    samples = []
    for text in inputs:
        started = time.perf_counter_ns()
        parse(text)
        samples.append(time.perf_counter_ns() - started)
    cuts = statistics.quantiles(samples, n=100)
    return {"p50_us": round(cuts[49] / 1000, 2), "p99_us": round(cuts[98] / 1000, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--codes", type=int, default=20_000)
    args = parser.parse_args()
    packs = codes(args.codes)
    scans = [datamatrix_content(p) for p in packs]
    raws = [s.removeprefix("]d2") for s in scans]
    hris = [hri(p) for p in packs]
    links = [digital_link(p) for p in packs]
    year = {"reference_year": 2026}
    results = {
        "datamatrix": timed(lambda s: parse_element_string(s, **year), scans),
        "datamatrix_biip": timed(GS1Message.parse, raws),
        "hri": timed(lambda s: parse_hri(s, **year), hris),
        "hri_biip": timed(GS1Message.parse_hri, hris),
        "digital_link": timed(lambda s: parse_digital_link(s, **year), links),
        "digital_link_biip": timed(GS1DigitalLinkURI.parse, links),
    }
    emit({"bench": "gs1", "codes": args.codes, **results})


if __name__ == "__main__":
    main()
