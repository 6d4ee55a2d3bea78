"""Population analytics: a SQL-on-FHIR v2 view engine, materialized views, `$run` (issue 13).

The public API other modules and the edges use:
- `compile_view(definition)` -> CompiledView (ViewDefinitionError lists problems with locations)
  and `ViewRunner(view)` (`rows(resource)`, `run(resources)`, `dicts(resources)`);
- `refresh(services, names, target=..., full=...)`, `export(...)`, `all_views(conn)`,
  `save_view(conn, definition)`, `remove_view(conn, name)`, `materialized(services)`;
- `run_operation(repo, conn, body, access)` is `ViewDefinition/$run` (`parse_run`, `run`,
  `render` its parts).
See docs/analytics.md.
"""

from __future__ import annotations

from enlace.modules.analytics.engine import ViewRunner, ViewRuntimeError
from enlace.modules.analytics.materialize import RefreshResult
from enlace.modules.analytics.run import (
    FORMATS,
    RunRequest,
    checked_view,
    parse_run,
    render,
    run,
    run_operation,
)
from enlace.modules.analytics.service import (
    EXPORT_FORMATS,
    TARGETS,
    all_views,
    duckdb_path,
    export,
    materialized,
    refresh,
    remove_view,
    save_view,
)
from enlace.modules.analytics.targets import table_name
from enlace.modules.analytics.viewdef import CompiledView, ViewDefinitionError, compile_view

__all__ = [
    "EXPORT_FORMATS",
    "FORMATS",
    "TARGETS",
    "CompiledView",
    "RefreshResult",
    "RunRequest",
    "ViewDefinitionError",
    "ViewRunner",
    "ViewRuntimeError",
    "all_views",
    "checked_view",
    "compile_view",
    "duckdb_path",
    "export",
    "materialized",
    "parse_run",
    "refresh",
    "remove_view",
    "render",
    "run",
    "run_operation",
    "save_view",
    "table_name",
]
