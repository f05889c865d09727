"""The interface's language: every message the app shows goes through `_` (or `ngettext`), looked up in the
gettext catalog `dltui/locale/LANG/LC_MESSAGES/dltui.mo` with the standard library.

The language is chosen once per process (`use`, called by the command line): `--lang`, else `DLTUI_LANG`, else
the locale. English needs no catalog: the messages are English. Text fixed before the language is known (a
binding's description, a control's label) is marked with `N_` where it is written and translated where it is
shown. Messages are `str.format` templates with named fields, so a translation may put the numbers where its
grammar wants them; the numbers themselves are formatted the same in every language.

docs/translating.md says how the catalogs are extracted, updated and compiled (Babel), and how to add a language.
"""

from __future__ import annotations

import gettext
import os
from functools import lru_cache
from pathlib import Path

DOMAIN = "dltui"
LOCALE_DIR = Path(__file__).with_name("locale")

_catalog: gettext.NullTranslations = gettext.NullTranslations()
language = "en"
"""The language in use (what `use` chose)."""


def preferred_language() -> str:
    """`DLTUI_LANG`, else the locale's language (`zh_CN.UTF-8` → `zh`), else English."""
    for var in ("DLTUI_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return value.split(".")[0].split("_")[0].lower()
    return "en"


def use(lang: str | None = None) -> str:
    """Show every message in `lang` (None: the preferred language) from now on; returns the language.
    A language without a catalog shows English."""
    global _catalog, language
    language = (lang or preferred_language()).lower()
    _catalog = gettext.translation(DOMAIN, LOCALE_DIR, [language], fallback=True)
    return language


def _(message: str) -> str:
    """`message` in the language in use ("" stays "": gettext would give the catalog's header)."""
    return _catalog.gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for `n` of something, by the language's plural rule."""
    return _catalog.ngettext(singular, plural, n)


@lru_cache(maxsize=None)
def _catalog_for(lang: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, [lang], fallback=True)


def in_language(lang: str, message: str) -> str:
    """`message` in `lang`, whatever the interface speaks: a generated quiz question speaks its lesson's language."""
    return _catalog_for(lang).gettext(message) if message else message


def N_(message: str) -> str:
    """Marks `message` for the catalog without translating it: it is translated with `_` where it is shown."""
    return message
