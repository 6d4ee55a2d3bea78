"""Every key the care templates use exists in es-MX and en, including the ones built from a
state or mode ("care.status." ~ status, "care.mode." ~ mode)."""

from __future__ import annotations

import re
from pathlib import Path

from enlace.entrypoints.web import care_strings, i18n, shell_strings
from enlace.modules.care import referrals, scheduling

TEMPLATES = Path(i18n.__file__).parent / "templates"
PAGES = ("care_referrals", "care_day", "care_book")
CATALOG = {**shell_strings.STRINGS, **care_strings.STRINGS}


def test_template_keys_exist_in_both_languages() -> None:
    used = {
        key
        for name in PAGES
        for key in re.findall(
            r't\([\'"]([a-z_.\-]+)[\'"]\)', (TEMPLATES / f"{name}.html").read_text()
        )
    }
    built = {f"care.status.{s}" for s in referrals.TRANSITIONS} | {
        f"care.mode.{m}" for m in scheduling.MODES
    }
    assert used and (used | built) <= set(CATALOG), (used | built) - set(CATALOG)
    for key in care_strings.STRINGS:
        assert set(CATALOG[key]) == set(i18n.LANGUAGES), key
