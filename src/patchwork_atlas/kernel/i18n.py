"""English and Spanish through standard gettext catalogs (``locales/<lang>/LC_MESSAGES/*.po``).

The .po files are read at start-up with Babel, so translators edit plain text and no compile
step is needed. Data vocabulary (model codes, statuses, event kinds) lives in the same
catalogs under keys such as ``model:JEM``, so both languages describe the data the same way.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from functools import lru_cache
from importlib import resources
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "es": "Español"}

current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


def locales_dir() -> Path:
    return Path(str(resources.files("patchwork_atlas.kernel") / "locales"))


@lru_cache(maxsize=len(LANGUAGES))
def catalog(lang: str) -> dict[str, str]:
    """msgid -> msgstr for every translated message in every .po file of a language."""
    messages: dict[str, str] = {}
    folder = locales_dir() / lang / "LC_MESSAGES"
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        for message in cat:
            if message.id and message.string and not message.fuzzy:
                key = message.id if isinstance(message.id, str) else message.id[0]
                value = message.string if isinstance(message.string, str) else message.string[0]
                messages[key] = value
    return messages


def gettext(message: str, lang: str | None = None) -> str:
    return catalog(lang or current_language.get()).get(message, message)


def ngettext(singular: str, plural: str, n: int, lang: str | None = None) -> str:
    # Both languages share the English plural rule (n != 1).
    return gettext(singular if n == 1 else plural, lang)


def term(kind: str, code: str | None, lang: str | None = None) -> str:
    """The plain-language name of a data code (e.g. term('model', 'JEM')); unknown codes as is."""
    if code is None or code == "":
        return gettext("Unknown", lang)
    key = f"{kind}:" + re.sub(r"[^A-Za-z0-9_]", "_", str(code))  # "USMS IGA" -> USMS_IGA
    value = catalog(lang or current_language.get()).get(key)
    if value is None and (lang or current_language.get()) != DEFAULT_LANGUAGE:
        value = catalog(DEFAULT_LANGUAGE).get(key)
    return value if value is not None else str(code)


def negotiate(accept_language: str | None) -> str:
    """Pick en or es from an Accept-Language header, honouring q-values."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for index, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        q -= index * 1e-6  # earlier wins a tie
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best
