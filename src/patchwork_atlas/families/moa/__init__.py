"""The MOA family: ICE's 287(g) memoranda of agreement, read from the PDFs ICE links from its lists.

The reader is pure (no database, no web): ``text`` gets each page's text (the PDF's own text layer, or
Tesseract OCR for scanned pages, cached per page), ``extract`` finds the facts with the page and
text span each came from, and ``compare`` sets each MOA against the standard text of its template.
Accuracy first: a value not found in the text is None, never guessed.
``family`` stores, links and compares them (the `moa` ingest family) and holds their queries;
``fetch`` downloads the MOAs the current lists link to (opt-in: `patchwork moa fetch`).
"""

from patchwork_atlas.families.moa.family import FAMILY

__all__ = ["FAMILY"]
