"""Odd but schema-valid input is stored or flagged on both stores, never a database error:
long private vocabulary URIs, long lots, free-text expiry, %-encoded serials, cycles."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from enlace.interactions.context import Services
from enlace.modules.trace.epcis_capture import capture_document
from tests.integration.trace_epcis_support import (
    CASE,
    T0,
    commissioning,
    document,
    event,
    kinds,
    pack,
    packing,
    reset,
)


@pytest.fixture
def trace(services: Services) -> Iterator[Services]:
    reset(services)
    yield services


def test_long_and_free_text_values(trace: Services) -> None:
    start = commissioning(["A%2F" * 30])
    start["ilmd"] = {"cbvmda:lotNumber": "L" * 300, "cbvmda:itemExpirationDate": "next spring"}
    start["bizStep"] = "https://vocab.example.mx/bizstep/" + "x" * 400
    start["disposition"] = "https://vocab.example.mx/disp/" + "y" * 400
    report = capture_document(trace.db, document(start), T0)
    assert report.accepted == 1


def test_a_pack_inside_itself_and_a_case_inside_its_pack(trace: Services) -> None:
    capture_document(trace.db, document(commissioning(["1"])), T0)
    loop = [packing(pack("1"), [CASE], 5), packing(CASE, [pack("1")], 6)]
    moved = event("ObjectEvent", 10, "shipping", epcs=[CASE])
    report = capture_document(trace.db, document(*loop, moved), T0)
    assert report.accepted == 3 and "unknown-epc" not in kinds(report.alerts)


def test_the_same_event_twice_in_one_document(trace: Services) -> None:
    once = commissioning(["1"])
    report = capture_document(trace.db, document(once, dict(once)), T0)
    assert (report.accepted, report.duplicates) == (1, 1)
