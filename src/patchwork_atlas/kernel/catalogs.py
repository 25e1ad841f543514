"""Find every translatable message in the templates and the code of every layer (for tests and
translators).

Templates are scanned with Jinja's own Babel extractor; Python with Babel's. Run
`python -m patchwork_atlas.kernel.catalogs` to list messages missing from a language's catalog.
"""

from __future__ import annotations

import re
import sys
from importlib import resources
from pathlib import Path

from babel.messages.extract import extract_from_file

from patchwork_atlas.kernel import i18n

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def _package_dir(name: str) -> Path:
    return Path(str(resources.files(name)))


def extract() -> dict[str, list[str]]:
    """msgid -> places it is used ('file:line')."""
    found: dict[str, list[str]] = {}
    package = _package_dir("patchwork_atlas")
    sources = [(p, "jinja2.ext:babel_extract") for p in sorted(package.rglob("templates/*.html"))]
    sources += [(p, "python") for p in sorted(package.rglob("*.py"))]
    for path, method in sources:
        options = {"extensions": "jinja2.ext.i18n", "trimmed": "false"} if method != "python" else {}
        for lineno, message, _comments, _context in extract_from_file(
            method, str(path), keywords=KEYWORDS, options=options
        ):
            for msgid in message if isinstance(message, tuple) else (message,):
                if msgid:
                    found.setdefault(msgid, []).append(f"{path.name}:{lineno}")
    return found


VOCAB_KEY = re.compile(r"^[a-z_]+:[A-Za-z0-9_]+$")


def vocabulary() -> list[str]:
    """Data vocabulary keys every language must name (model:JEM, status:active, ...)."""
    keys = set()
    for lang in i18n.LANGUAGES:
        keys |= {k for k in i18n.catalog(lang) if VOCAB_KEY.match(k)}
    return sorted(keys)


def missing(lang: str) -> list[str]:
    """Messages a language lacks: every vocabulary key, and (beyond English) every message."""
    catalog = i18n.catalog(lang)
    wanted = set(vocabulary())
    if lang != i18n.DEFAULT_LANGUAGE:
        wanted |= set(extract())
    return sorted(m for m in wanted if m not in catalog)


if __name__ == "__main__":
    for code in sys.argv[1:] or list(i18n.LANGUAGES):
        for msg in missing(code):
            print(f"{code}\t{msg}")
