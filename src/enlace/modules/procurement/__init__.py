"""Procurement red flags: Open Contracting's Cardinal indicators over OCDS and CompraNet data.

Public API for entrypoints and other modules (docs/procurement.md).
"""

from __future__ import annotations

from enlace.modules.procurement.domain import INDICATOR_TITLES, INDICATORS, Flag, RedFlagSettings
from enlace.modules.procurement.prices import PriceComparison
from enlace.modules.procurement.readers import ProcurementInputError, ReadProblems, read_releases
from enlace.modules.procurement.saved import (
    REPORT_NAME,
    SavedReport,
    report_name,
    save_report,
    saved_reports,
)
from enlace.modules.procurement.service import (
    Report,
    checked_indicators,
    flag_releases,
    procurement_report,
)

__all__ = [
    "INDICATORS",
    "INDICATOR_TITLES",
    "REPORT_NAME",
    "Flag",
    "PriceComparison",
    "ProcurementInputError",
    "ReadProblems",
    "RedFlagSettings",
    "Report",
    "SavedReport",
    "checked_indicators",
    "flag_releases",
    "procurement_report",
    "read_releases",
    "report_name",
    "save_report",
    "saved_reports",
]
