"""CompraNet contract CSV (Mexican federal procurement) read as OCDS compiled releases.

One CSV row is one contract. Rows of the same procedure (NUMERO_PROCEDIMIENTO) become one contracting
process with one active award and one contract per row. Rows are grouped within a window of
PROCESS_WINDOW open procedures, which keeps memory bounded; a procedure whose rows lie further apart
is emitted more than once. The column-to-field mapping is the table in docs/procurement.md.
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from enlace.modules.procurement.ocds import Release
from enlace.modules.procurement.readers import ProcurementInputError, ReadProblems

# Not a registered OCDS prefix: marks processes built here from CompraNet rows.
OCID_PREFIX = "ocds-enlace-compranet"

# Spellings of the same column in other CompraNet exports, after `header_key` normalization.
HEADER_ALIASES = {
    "NUMERO_DEL_PROCEDIMIENTO": "NUMERO_PROCEDIMIENTO",
    "CODIGO_DEL_CONTRATO": "CODIGO_CONTRATO",
    "TITULO_DEL_CONTRATO": "TITULO_CONTRATO",
    "IMPORTE_DEL_CONTRATO": "IMPORTE_CONTRATO",
    "PROVEEDOR_O_CONTRATISTA": "PROVEEDOR_CONTRATISTA",
    "CLAVE_DE_LA_UC": "CLAVEUC",
    "NOMBRE_DE_LA_UC": "NOMBRE_DE_LA_UC",
    "SIGLAS_DE_LA_INSTITUCION": "SIGLAS",
    "INSTITUCION": "DEPENDENCIA",
    "TIPO_DE_PROCEDIMIENTO": "TIPO_PROCEDIMIENTO",
    "TIPO_DE_CONTRATACION": "TIPO_CONTRATACION",
    "FECHA_DE_PUBLICACION": "PROC_F_PUBLICACION",
    "FECHA_DE_APERTURA": "FECHA_APERTURA_PROPOSICIONES",
    "FECHA_DE_FALLO": "EXP_F_FALLO",
    "FECHA_DE_INICIO_DEL_CONTRATO": "FECHA_INICIO",
    "FECHA_DE_FIN_DEL_CONTRATO": "FECHA_FIN",
    "FECHA_DE_FIRMA_DEL_CONTRATO": "FECHA_CELEBRACION",
}
PROCESS_WINDOW = 10_000  # procedures held open at once while grouping rows
REQUIRED = ("NUMERO_PROCEDIMIENTO", "CODIGO_CONTRATO", "IMPORTE_CONTRATO")

PROCUREMENT_METHODS = {
    "licitacion publica": "open",
    "invitacion a cuando menos 3 personas": "selective",
    "adjudicacion directa federal": "direct",
    "adjudicacion directa": "direct",
}
CATEGORIES = {
    "adquisiciones": "goods",
    "arrendamientos": "goods",
    "servicios": "services",
    "obra publica": "works",
    "servicios relacionados con la op": "works",
}
CONTRACT_STATUSES = {"activo": "active", "expirado": "terminated", "terminado": "terminated"}


def _mexico_city() -> tzinfo:
    try:
        return ZoneInfo("America/Mexico_City")
    except ZoneInfoNotFoundError:  # no tz database: central time without daylight saving
        return timezone(timedelta(hours=-6))


LOCAL_TIME = _mexico_city()


class MalformedRow(ValueError):
    pass


def plain(value: str) -> str:
    """Lower case without accents or repeated spaces, for matching Spanish labels."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def header_key(name: str) -> str:
    key = re.sub(r"[^A-Z0-9]+", "_", plain(name.lstrip("\ufeff")).upper()).strip("_")
    return HEADER_ALIASES.get(key, key)


def detect_encoding(path: Path, chunk_size: int = 1 << 20) -> str:
    """utf-8 when the whole file decodes as such (checked in chunks), else latin-1."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as stream:
        try:
            while chunk := stream.read(chunk_size):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8-sig"


def parse_date(value: str) -> str | None:
    """A CompraNet date or date-time as RFC 3339; times without a zone are Mexico City time."""
    raw = value.strip()
    if not raw:
        return None
    zone: tzinfo = LOCAL_TIME
    if raw.endswith(("GMT", "UTC", "Z")):
        raw, zone = raw.rstrip("GMTUCZ").strip(), UTC
    for layout in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            return datetime.strptime(raw, layout).replace(tzinfo=zone).isoformat()
        except ValueError:
            continue
    raise MalformedRow(f"date {value!r} not understood")


def parse_amount(value: str) -> float | None:
    """An amount in pesos as written ("1,234.50", "$ 99"); exact to the centavo."""
    raw = value.strip().replace("$", "").replace(",", "").replace(" ", "")
    if not raw:
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation as exc:
        raise MalformedRow(f"amount {value!r} is not a number") from exc
    if not amount.is_finite():
        raise MalformedRow(f"amount {value!r} is not a number")
    return float(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def supplier_id(name: str) -> str:
    """No RFC in these files: the normalized name stands in as the supplier's identifier."""
    return re.sub(r"[^A-Z0-9]+", "-", plain(name).upper()).strip("-")


def read_compranet_csv(path: Path, problems: ReadProblems) -> Iterator[Release]:
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as stream:
        reader = csv.reader(stream)
        header = [header_key(name) for name in next(reader, [])]
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise ProcurementInputError(
                f"{path}: not a CompraNet contracts CSV (missing columns {', '.join(missing)})"
            )
        yield from _group_processes(path, header, reader, problems)


def _group_processes(
    path: Path, header: list[str], reader: Any, problems: ReadProblems
) -> Iterator[Release]:
    # Rows of one procedure are usually near each other but not always adjacent: hold a bounded
    # window of open processes and emit the oldest when it is full.
    open_processes: OrderedDict[str, Release] = OrderedDict()
    for line, fields in _rows(path, header, reader, problems):
        try:
            procedure = (
                fields.get("NUMERO_PROCEDIMIENTO") or f"contract-{fields['CODIGO_CONTRATO']}"
            )
            award, contract = _award_and_contract(fields)
            process = open_processes.get(procedure) or _process(procedure, fields)
        except MalformedRow as exc:
            problems.add(f"{path.name} line {line}", str(exc))
            continue
        open_processes[procedure] = process
        process["awards"].append(award)
        process["contracts"].append(contract)
        if len(open_processes) > PROCESS_WINDOW:
            yield open_processes.popitem(last=False)[1]
    yield from open_processes.values()


def _rows(
    path: Path, header: list[str], reader: Any, problems: ReadProblems
) -> Iterator[tuple[int, dict[str, str]]]:
    """Each well-formed row with its line number; bad rows are counted, never raised."""
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.add(f"{path.name} line {line}", f"CSV error ({exc})")
            continue
        if not any(cell.strip() for cell in row):
            continue
        try:
            yield line, _fields(header, row)
        except MalformedRow as exc:
            problems.add(f"{path.name} line {line}", str(exc))


def _fields(header: list[str], row: list[str]) -> dict[str, str]:
    if len(row) != len(header):
        raise MalformedRow(f"{len(row)} fields where the header has {len(header)}")
    fields = {name: cell.strip() for name, cell in zip(header, row, strict=True) if name}
    if not fields.get("NUMERO_PROCEDIMIENTO") and not fields.get("CODIGO_CONTRATO"):
        raise MalformedRow("neither a procedure number nor a contract code")
    return fields


def _process(procedure: str, fields: dict[str, str]) -> Release:
    method_details = fields.get("TIPO_PROCEDIMIENTO", "")
    tender: dict[str, Any] = {
        "id": procedure,
        "title": fields.get("TITULO_EXPEDIENTE") or None,
        "procurementMethod": PROCUREMENT_METHODS.get(plain(method_details)),
        "procurementMethodDetails": method_details or None,
        "mainProcurementCategory": CATEGORIES.get(plain(fields.get("TIPO_CONTRATACION", ""))),
        "tenderPeriod": {
            "startDate": parse_date(fields.get("PROC_F_PUBLICACION", "")),
            "endDate": parse_date(fields.get("FECHA_APERTURA_PROPOSICIONES", "")),
        },
        "procuringEntity": {"id": fields.get("CLAVEUC"), "name": fields.get("NOMBRE_DE_LA_UC")},
    }
    return {
        "ocid": f"{OCID_PREFIX}-{procedure}",
        "id": procedure,
        "tag": ["compiled"],
        "initiationType": "tender",
        "buyer": {
            "id": fields.get("SIGLAS") or fields.get("DEPENDENCIA"),
            "name": fields.get("DEPENDENCIA"),
        },
        "tender": _without_empty(tender),
        "awards": [],
        "contracts": [],
    }


def _award_and_contract(fields: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    code = fields.get("CODIGO_CONTRATO") or fields["NUMERO_PROCEDIMIENTO"]
    amount = parse_amount(fields.get("IMPORTE_CONTRATO", ""))
    value = {"amount": amount, "currency": fields.get("MONEDA") or "MXN"}
    supplier = fields.get("PROVEEDOR_CONTRATISTA", "")
    award = {
        "id": code,
        "status": "active",
        "title": fields.get("TITULO_CONTRATO"),
        "date": parse_date(fields.get("EXP_F_FALLO", "")),
        "value": value if amount is not None else None,
        "suppliers": [{"id": supplier_id(supplier), "name": supplier}] if supplier else [],
    }
    contract = {
        "id": code,
        "awardID": code,
        "title": fields.get("TITULO_CONTRATO"),
        "status": CONTRACT_STATUSES.get(plain(fields.get("ESTATUS_CONTRATO", ""))),
        "value": value if amount is not None else None,
        "period": {
            "startDate": parse_date(fields.get("FECHA_INICIO", "")),
            "endDate": parse_date(fields.get("FECHA_FIN", "")),
        },
        "dateSigned": parse_date(fields.get("FECHA_CELEBRACION", "")),
    }
    return _without_empty(award), _without_empty(contract)


def _without_empty(value: dict[str, Any]) -> dict[str, Any]:
    """OCDS omits unknown fields rather than writing null."""
    cleaned = {}
    for key, item in value.items():
        if isinstance(item, dict):
            item = _without_empty(item)
        if item not in (None, "", {}):
            cleaned[key] = item
    return cleaned
