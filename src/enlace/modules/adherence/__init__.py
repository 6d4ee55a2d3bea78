"""adherence (see docs/adherence.md). Public API for other modules: `pdc_by_clinic`."""

from enlace.modules.adherence.indicator_rows import pdc_by_clinic

__all__ = ["pdc_by_clinic"]
