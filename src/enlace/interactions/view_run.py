"""`POST [base]/ViewDefinition/$run`: a SQL-on-FHIR v2 view evaluated on request.

R4 has no ViewDefinition resource type, so this operation is registered for a type the store
does not know (the router runs registered type operations before refusing unknown types) and
takes the view inline (`viewResource` in a Parameters body; enlace.modules.analytics.run parses
it). Its Parameters cannot go through the R4 validator (it would refuse the ViewDefinition), so
the analytics module checks them itself, each problem a 400 naming the parameter.

Who may run it: over `resource` parameters sent inline, anyone signed in (nothing stored is
read); over the store's resources, the platform itself and administrators only, because the
rows are identifiable (analysts get population figures de-identified, docs/security.md).
"""

from __future__ import annotations

from enlace.kernel import errors
from enlace.modules import analytics

from . import guard
from .context import Services
from .messages import FhirRequest, FhirResponse

STORED_DATA_ROLES = ("administrator",)


def run_view(services: Services, request: FhirRequest) -> FhirResponse:
    access = request.access or guard.NOBODY
    if access is guard.NOBODY:
        raise errors.error(401, "login", "ViewDefinition/$run needs a signed-in user or client")
    parsed = analytics.parse_run(request.json())
    if parsed.resources is None and not (access.unrestricted or access.role in STORED_DATA_ROLES):
        raise errors.error(
            403,
            "forbidden",
            "running a view over stored resources is for administrators; send the resources "
            "as 'resource' parameters",
        )
    with services.reading() as conn:
        rows = analytics.run(parsed, services.repo, conn)
    body = analytics.render(parsed.view.column_names, rows, parsed.file_format, parsed.header)
    return FhirResponse(200, body, content_type=analytics.FORMATS[parsed.file_format])
