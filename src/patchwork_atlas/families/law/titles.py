"""The check on Spanish titles (issue 17), shared by entries (`title_es`) and cases
(`caption_es`).

The official name of a law or a case caption stays as printed in `title` / `caption`; the
Spanish title translates the descriptive part. A Spanish title identical to the English one is
accepted only for a bare name (a caption, a bill number, a proper name with no descriptive
words), where there is nothing to translate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Problems about Spanish titles start with these keys: they fail `knowledge check`, but do not
# keep an otherwise valid entry out of the database (pages fall back to the official name).
SPANISH_TITLE_KEYS = ("title_es", "caption_es")

# Lowercase words of three letters or more that appear inside names ("City and County of
# Denver", "People ex rel. Wells"); shorter ones (of, v., et al., 3d) never count.
_NAME_WORDS = {"and", "the", "for", "rel", "del", "los", "las"}


def is_bare_name(title: str) -> bool:
    """True when the title has no descriptive words to translate: no colon and no lowercase
    word other than the small words of names ('United States v. City of Boston, et al.')."""
    if ":" in title:
        return False
    words = re.findall(r"[^\W\d_]+", title)
    return not any(w[0].islower() and len(w) >= 3 and w not in _NAME_WORDS for w in words)


def spanish_title_problems(key: str, english: str, spanish: object) -> Iterator[str]:
    """`key` (title_es or caption_es) is missing, or copies a title that has words to translate."""
    if not isinstance(spanish, str) or not spanish.strip():
        yield f"{key} missing: add a Spanish title (the official name stays as printed)"
    elif " ".join(spanish.split()) == " ".join(english.split()) and not is_bare_name(english):
        yield f"{key} is a copy of the English title: translate its descriptive part"
