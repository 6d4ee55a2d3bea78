"""Procurement input: the Mexican samples, each OCDS packaging, CompraNet CSV quirks, prices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from enlace.modules.catalog import formulary
from enlace.modules.procurement import (
    ProcurementInputError,
    ReadProblems,
    flag_releases,
    procurement_report,
    read_releases,
)
from enlace.modules.procurement.compranet import parse_amount, parse_date
from enlace.modules.procurement.prices import ReferencePrices, compare_prices

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "procurement-mx"
OCDS_SAMPLE = SAMPLES / "compranet_ocds_sample"
CSV_SAMPLE = SAMPLES / "compranet_csv_sample"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared samples not present")

HEADER = "NUMERO_PROCEDIMIENTO,CODIGO_CONTRATO,IMPORTE_CONTRATO,MONEDA,TIPO_PROCEDIMIENTO,PROC_F_PUBLICACION,FECHA_APERTURA_PROPOSICIONES,PROVEEDOR_CONTRATISTA"


def read(path: Path) -> tuple[list[dict], ReadProblems]:
    problems = ReadProblems()
    return list(read_releases(path, problems)), problems


@needs_samples
def test_ocds_sample_reads_ten_compiled_releases() -> None:
    releases, problems = read(OCDS_SAMPLE)
    assert len(releases) == 10 and problems.malformed == 0
    assert releases[0]["ocid"] == "ocds-07smqs-1035"
    assert sum(len(r["contracts"]) for r in releases) == 11


@needs_samples
def test_compranet_sample_reads_every_contract() -> None:
    releases, problems = read(CSV_SAMPLE)
    assert problems.malformed == 0
    assert len(releases) == 1496  # procedures, one per process
    assert sum(len(r["awards"]) for r in releases) == 1594  # contract rows
    first = releases[0]
    assert first["tender"]["procurementMethod"] == "direct"
    assert first["tender"]["tenderPeriod"]["startDate"] == "2012-10-30T19:24:00-06:00"


@needs_samples
def test_compranet_sample_flags() -> None:
    report = procurement_report(CSV_SAMPLE)
    assert report.counts()["R003"] == 728
    assert sum(report.counts().values()) == 728  # the CSV has no bids or item classifications


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


RELEASE = {"ocid": "ocds-a-1", "tender": {"procurementMethod": "open", "numberOfTenderers": 1}}


@pytest.mark.parametrize(
    "document",
    [
        {"uri": "x", "releases": [RELEASE, {**RELEASE, "ocid": "ocds-a-2"}]},
        {"records": [{"ocid": "ocds-a-1", "compiledRelease": RELEASE}, {"ocid": "b"}]},
        [RELEASE],
        RELEASE,
    ],
)
def test_each_ocds_packaging(tmp_path: Path, document: object) -> None:
    releases, problems = read(write(tmp_path, "d.json", json.dumps(document, indent=2)))
    assert releases[0]["ocid"] == "ocds-a-1"
    # The record without a compiled release is counted, not fatal.
    assert problems.malformed == (1 if isinstance(document, dict) and "records" in document else 0)


def test_json_lines_with_a_bad_line(tmp_path: Path) -> None:
    lines = [json.dumps(RELEASE), "{not json", json.dumps({"foo": 1}), json.dumps(RELEASE)]
    releases, problems = read(write(tmp_path, "d.jsonl", "\n".join(lines)))
    assert len(releases) == 2 and problems.malformed == 2
    assert "line 2" in problems.examples[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [("not json at all", "not valid JSON"), ('{"foo": 1}', "not OCDS"), ("7", "not OCDS")],
)
def test_unreadable_json_is_refused(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(ProcurementInputError, match=message):
        read(write(tmp_path, "d.json", content))


def test_missing_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProcurementInputError, match="no such file"):
        read(tmp_path / "absent.json")


def test_latin1_csv_with_malformed_rows(tmp_path: Path) -> None:
    rows = [
        HEADER,
        'LA-1,10,"1,500.50",MXN,Licitación Pública,2014-01-01 10:00,2014-01-10 10:00,Señor SA',
        "LA-1,11,200,MXN,Licitación Pública,2014-01-01 10:00,2014-01-10 10:00,Otro SA",
        "LA-2,12,abc,MXN,Licitación Pública,,,X",  # amount is not a number
        "LA-3,13,5",  # too few fields
        "LA-4,14,9,MXN,Licitación Pública,31/02/2014,,X",  # no such date
    ]
    path = write(tmp_path, "c.csv", "\n".join(rows).encode("latin-1"))
    releases, problems = read(path)
    assert [r["tender"]["id"] for r in releases] == ["LA-1"]
    assert releases[0]["awards"][0]["suppliers"][0]["name"] == "Señor SA"
    assert releases[0]["awards"][0]["value"] == {"amount": 1500.5, "currency": "MXN"}
    assert problems.malformed == 3
    report = flag_releases(releases, indicators=["R003"])
    assert report.flags[0].figures[0] == ("submission_days", 9)


def test_csv_without_compranet_columns_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProcurementInputError, match="missing columns"):
        read(write(tmp_path, "c.csv", "a,b\n1,2\n"))


def test_compranet_dates_and_amounts() -> None:
    assert parse_date("2013-11-27 00:00:00 GMT") == "2013-11-27T00:00:00+00:00"
    assert parse_date("2015-03-11 19:01") == "2015-03-11T19:01:00-06:00"
    assert parse_date("") is None
    assert parse_amount("$ 1,234.565") == 1234.57
    assert parse_amount("") is None


def medicine_item(price: float, cnis: str | None = None, name: str = "") -> dict:
    classification = {"classification": {"scheme": "CNIS", "id": cnis}} if cnis else {}
    return {"description": name, "unit": {"value": {"amount": price, "currency": "MXN"}}} | (
        classification
    )


def test_prices_match_by_cnis_then_by_name() -> None:
    metformin = next(m for m in formulary() if m.slug == "metformin-850-tab")
    reference = metformin.price_centavos / 100
    items = [
        medicine_item(reference * 2 + 0.01, cnis=metformin.cnis),  # just over 2x: outlier
        medicine_item(reference * 2, name="METFORMINA TABLETAS 850 MG CAJA CON 30"),  # exactly 2x
        medicine_item(10.0, name="Papel bond carta"),
    ]
    release = {"ocid": "p", "awards": [{"status": "active", "items": items}]}
    found = compare_prices(release, "p", ReferencePrices(), threshold=2.0)
    assert [(p.medicine, p.matched_by, p.outlier) for p in found] == [
        ("metformin-850-tab", "cnis", True),
        ("metformin-850-tab", "name", False),
    ]
    assert found[1].unit_price_centavos == 2 * metformin.price_centavos and found[1].ratio == 2.0
