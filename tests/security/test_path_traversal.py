"""Routes that take a file name from the path never serve a file outside their directory
(ASVS V12.3.1): encoded and plain `..` segments are refused without leaking the file."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.conftest import client

__all__ = ["client"]  # the integration suite's fixture: the app on each store

ATTEMPTS = [
    "/assets/..%2f..%2f..%2fpyproject.toml",
    "/assets/%2e%2e%2fpyproject.toml",
    "/assets/..%5c..%5cpyproject.toml",
    "/log/tile/..%2f..%2f..%2fpyproject.toml",
    "/log/tile/0/..%2f..%2f..%2f..%2fpyproject.toml",
    "/log/tile/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
]


@pytest.mark.parametrize("path", ATTEMPTS)
def test_dot_dot_in_a_file_route_is_refused(client: TestClient, path: str) -> None:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code in {400, 404}
    assert "[tool." not in answer.text  # pyproject.toml's contents never come back


def test_the_same_routes_serve_their_own_files(client: TestClient) -> None:
    # The refusals above are not a route that serves nothing: its own file comes back.
    answer = client.get("/assets/enlace.css")
    assert answer.status_code == 200 and "{" in answer.text
