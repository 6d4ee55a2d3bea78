"""Pure parts of the login pages: safe redirects, CSRF tokens, languages and their strings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from enlace.entrypoints.web import i18n, shell_strings
from enlace.entrypoints.web.browser import safe_next
from enlace.security import csrf
from enlace.security.roles import ROLES


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "/account\r\nSet-Cookie: x=1",
        "account",
        "",
        None,
        "/" + "a" * 3000,
    ],
)
def test_next_refuses_anything_but_a_local_path(target: str | None) -> None:
    assert safe_next(target) == "/"


@pytest.mark.parametrize(
    "target",
    ["/account", "/oauth/authorize?client_id=app&scope=openid%20fhirUser", "/fhir/Patient/1#top"],
)
def test_next_keeps_local_paths_with_their_query(target: str) -> None:
    assert safe_next(target) == target


def test_csrf_token_is_bound_to_nonce_session_and_key() -> None:
    token = csrf.form_token("secret", "nonce-1", "session-a")
    assert csrf.token_valid("secret", "nonce-1", "session-a", token)
    assert not csrf.token_valid("secret", "nonce-2", "session-a", token)
    assert not csrf.token_valid("secret", "nonce-1", "session-b", token)
    assert not csrf.token_valid("secret", "nonce-1", "", token)
    assert not csrf.token_valid("other", "nonce-1", "session-a", token)
    assert not csrf.token_valid("secret", "", "session-a", csrf.form_token("secret", ""))
    assert not csrf.token_valid("secret", "nonce-1", "session-a", "")


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        (None, None, None, "es-MX"),
        ("en", None, "es-MX", "en"),
        ("EN-us", None, None, "en"),
        ("fr", None, "en;q=0.8, es;q=0.9", "es-MX"),
        (None, "en", "es-MX", "en"),
        (None, None, "fr-FR, en-GB;q=0.7, es;q=0.5", "en"),
        (None, None, "en;q=0, es-AR", "es-MX"),
        (None, None, "de, fr", "es-MX"),
        (None, None, "en;q=bogus, es;q=0.1", "es-MX"),
    ],
)
def test_language_choice(
    query: str | None, cookie: str | None, header: str | None, expected: str
) -> None:
    assert i18n.pick_language(query, cookie, header) == expected


def test_every_string_is_in_every_language() -> None:
    for key, texts in i18n.STRINGS.items():
        assert set(texts) == set(i18n.LANGUAGES), key
        assert all(text.strip() for text in texts.values()), key


def test_every_role_has_a_label_and_every_template_key_exists() -> None:
    # base.html draws the shell's navigation: its strings join the catalog when the app is
    # built (shell.register), which a test run alone has not done.
    i18n.extend(shell_strings.STRINGS)
    for role in ROLES:
        assert f"role.{role}" in i18n.STRINGS
    templates = Path(i18n.__file__).parent / "templates"
    own = ("base", "login", "totp", "account", "error")  # other pages bring their catalogs
    used = {
        key
        for name in own
        for key in re.findall(r't\("([a-z_.]+)"\)', (templates / f"{name}.html").read_text())
    }
    assert used and used <= set(i18n.STRINGS)


def test_translator_prefers_a_page_catalog_and_falls_back_to_spanish() -> None:
    extra = {"authorize.title": {"es-MX": "Autorizar"}, "login.title": {"en": "Log in"}}
    t = i18n.translator("en", extra)
    assert t("authorize.title") == "Autorizar"  # no English yet: the default language
    assert t("login.title") == "Log in"
    assert t("totp.title") == "Two-step verification"
    assert t("no.such.key") == "no.such.key"
