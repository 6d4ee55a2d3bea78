"""Parameters FastAPI itself checks (typed query, path and body parameters of the JSON routes):
its default answer is a 422 `{"detail": [...]}`, which no other route of the platform gives. Here
it is a 400 OperationOutcome like every other refusal, one issue per parameter, naming it and
where it was expected (`query`, `path`, `body`, `header`), and nothing was run."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from enlace.kernel.errors import Issue, operation_outcome

OUTCOME_TYPE = "application/fhir+json"


def issue_of(problem: dict[str, Any]) -> Issue:
    """One FastAPI validation problem as an OperationOutcome issue."""
    where = [str(part) for part in problem.get("loc", ())]
    place, name = (where[0], ".".join(where[1:])) if len(where) > 1 else ("request", "".join(where))
    missing = problem.get("type") == "missing"
    said = "is required" if missing else str(problem.get("msg", "is not valid")).lower()
    return Issue(
        "required" if missing else "invalid", f"The {place} parameter '{name}' {said}", name
    )


def register(app: FastAPI) -> None:
    async def answer(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        issues = [issue_of(problem) for problem in exc.errors()]
        return JSONResponse(operation_outcome(issues), 400, media_type=OUTCOME_TYPE)

    app.add_exception_handler(RequestValidationError, answer)
