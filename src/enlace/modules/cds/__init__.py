"""Clinical decision support as a CDS Hooks 2.0 service (issue 10 part 4, docs/cds.md).

Public API: `discovery()` (the `/cds-services` document), `call(services, service_id, body,
fetch, lang)` (a hook request answered with cards; `fetch` reads what the prefetch lacks under
the client's token, None when there is none), `record_feedback(services, service_id, body)`,
`SERVICES` and `Fetch`. Enlace's own prescribing page calls `call` in-process.
"""

from __future__ import annotations

from enlace.modules.cds.feedback import record_feedback
from enlace.modules.cds.hooks import SERVICES
from enlace.modules.cds.records import Fetch
from enlace.modules.cds.service import call, discovery

__all__ = ["SERVICES", "Fetch", "call", "discovery", "record_feedback"]
