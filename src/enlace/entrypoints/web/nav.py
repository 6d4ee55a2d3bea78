"""Role-aware navigation: each page module registers its own links, base.html shows them.

A later page adds itself with `nav.register(NavItem("/stock", "nav.stock", ("pharmacist",), 40))`
in its module's `register(app, services)`; nothing central lists the pages. Registering the same
path again replaces its item, so building the app twice (tests) does not duplicate links.
"""

from __future__ import annotations

from dataclasses import dataclass

from enlace.security.roles import ROLES

EVERYONE = ROLES


@dataclass(frozen=True)
class NavItem:
    path: str  # where the link goes (a path on this site)
    label_key: str  # i18n key of its text
    roles: tuple[str, ...]  # who sees it
    order: int = 50  # lower first


@dataclass(frozen=True)
class NavLink:
    path: str
    label_key: str
    current: bool  # aria-current="page"


class Registry:
    def __init__(self) -> None:
        self._items: dict[str, NavItem] = {}

    def register(self, item: NavItem) -> None:
        unknown = set(item.roles) - set(ROLES)
        if unknown or not item.path.startswith("/"):
            raise ValueError(f"nav item {item.path!r}: bad path or unknown roles {sorted(unknown)}")
        self._items[item.path] = item

    def items_for(self, role: str) -> list[NavItem]:
        found = [item for item in self._items.values() if role in item.roles]
        return sorted(found, key=lambda item: (item.order, item.path))

    def links(self, role: str, current_path: str) -> list[NavLink]:
        """The role's links, the one for the page being shown marked current: the exact path,
        or the longest registered prefix of it (a patient's page is under "Patients")."""
        items = self.items_for(role)
        best = max((i.path for i in items if _under(current_path, i.path)), key=len, default=None)
        return [NavLink(i.path, i.label_key, i.path == best) for i in items]


def _under(path: str, prefix: str) -> bool:
    if prefix == "/":
        return path == "/"
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


registry = Registry()
register = registry.register
