"""The navigation registry: each role sees its own links, in order, the current one marked."""

from __future__ import annotations

import pytest

from enlace.entrypoints.web import i18n, shell_strings
from enlace.entrypoints.web.nav import EVERYONE, NavItem, Registry


@pytest.fixture
def registry() -> Registry:
    nav = Registry()
    nav.register(NavItem("/", "nav.home", EVERYONE, 0))
    nav.register(NavItem("/patients", "nav.patients", ("physician", "nurse"), 10))
    nav.register(NavItem("/stock", "nav.stock", ("pharmacist",), 20))
    nav.register(NavItem("/account", "nav.account", EVERYONE, 90))
    return nav


def test_each_role_sees_its_links_in_order(registry: Registry) -> None:
    paths = {role: [i.path for i in registry.items_for(role)] for role in EVERYONE}
    assert paths["physician"] == ["/", "/patients", "/account"]
    assert paths["pharmacist"] == ["/", "/stock", "/account"]
    assert paths["patient"] == ["/", "/account"]
    assert registry.items_for("nobody") == []


def test_the_current_page_is_the_longest_matching_link(registry: Registry) -> None:
    def current(path: str) -> list[str]:
        return [link.path for link in registry.links("physician", path) if link.current]

    assert current("/") == ["/"]
    assert current("/patients") == ["/patients"]
    assert current("/patients/s7-3") == ["/patients"]
    assert current("/patientsx") == []
    assert current("/account") == ["/account"]


def test_registering_a_path_again_replaces_it(registry: Registry) -> None:
    registry.register(NavItem("/patients", "nav.patients", ("chw",), 10))
    assert "/patients" not in [i.path for i in registry.items_for("physician")]
    assert "/patients" in [i.path for i in registry.items_for("chw")]


@pytest.mark.parametrize(
    "item", [NavItem("/x", "k", ("wizard",)), NavItem("https://evil.example", "k", ("patient",))]
)
def test_unknown_roles_and_foreign_links_are_refused(registry: Registry, item: NavItem) -> None:
    with pytest.raises(ValueError):
        registry.register(item)


def test_shell_strings_have_both_languages_and_extend_is_idempotent() -> None:
    for key, texts in shell_strings.STRINGS.items():
        assert set(texts) == set(i18n.LANGUAGES) and all(texts.values()), key
    i18n.extend(shell_strings.STRINGS)
    i18n.extend(shell_strings.STRINGS)
    with pytest.raises(ValueError):
        i18n.extend({"nav.home": {"es-MX": "Casa", "en": "House"}})


def test_dates_per_language() -> None:
    from datetime import date

    assert i18n.format_date(date(2024, 3, 5), "es-MX") == "5 mar 2024"
    assert i18n.format_date(date(2024, 3, 5), "en") == "Mar 5, 2024"
