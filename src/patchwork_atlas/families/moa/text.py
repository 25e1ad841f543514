"""Text of each page of an MOA PDF: the PDF's own text layer, or OCR where the layer is missing,
sparse or garbled.

Why three cases: a quarter of the posted pages are scans with no text at all; some scanned
signature pages carry only a few typed form fields ("March 5, 2025 / Acting Director"), so the
signers' names are in the image; and some files embed fonts without a Unicode map, so pdfium
returns shifted codes ("(52\\x01 \\x1a\\x16") that look like text but read as nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Container
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import ocr

SPARSE_CHARS = 200  # fewer non-space characters than this: a scanned page, perhaps with a few fields
COMMON = frozenset(
    "the of and to a in shall be by for or with this moa ice lea agreement any that as is on are "
    "will officers not its".split())

Layer = Literal["text", "sparse", "garbled", "none"]
Source = Literal["pdf", "ocr", "pdf+ocr", "none"]


class ReadError(ValueError):
    """The bytes are not a readable PDF (damaged, truncated, encrypted); the message is one line."""


@dataclass(frozen=True)
class PageText:
    """One page: ``layer`` is what the PDF itself holds, ``source`` where ``text`` came from
    (``pdf+ocr``: the sparse typed fields, a blank line, then the OCR of the page image), and
    ``confidence`` the mean OCR word confidence (0–100) when OCR was used."""

    number: int
    text: str
    layer: Layer
    source: Source
    confidence: float | None = None

    @property
    def unread(self) -> bool:
        """A page whose words are not available: no usable text layer and no OCR."""
        return self.source == "none"


@dataclass(frozen=True)
class DocumentText:
    """All pages of one PDF, identified by the SHA-256 of its bytes."""

    sha256: str
    pages: tuple[PageText, ...]
    ocr_engine: str | None

    @property
    def unread_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.unread]

    @property
    def ocr_pages(self) -> list[int]:
        return [p.number for p in self.pages if "ocr" in p.source]


def layer_kind(text: str) -> Layer:
    """Classify a page's own text layer (see module docstring for why)."""
    chars = len(re.sub(r"\s", "", text))
    if chars < 20:
        return "none"
    control = sum(1 for c in text if not c.isprintable() and c not in "\r\n\t")
    words = re.findall(r"[A-Za-z]+", text)
    common = sum(1 for w in words if w.lower() in COMMON) / max(1, len(words))
    if control / len(text) > 0.05 or (chars >= SPARSE_CHARS and common < 0.1):
        return "garbled"
    return "sparse" if chars < SPARSE_CHARS else "text"


def clean(text: str) -> str:
    """pdfium's CR LF and form feeds as plain newlines, non-breaking spaces as spaces."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ").replace("\f", "\n")


def read_text(data: bytes, *, cache_dir: Path | None = None, ocr_enabled: bool = True,
              ocr_pages: Container[int] | None = None, workers: int = 2) -> DocumentText:
    """Text of every page. Pages whose layer is not plain text are OCR'd when ``ocr_enabled``,
    tesseract is installed and the page is in ``ocr_pages`` (None: all); a page already in the
    cache is always used. Without OCR a sparse page keeps its few words and a missing or garbled
    one is kept with ``source="none"`` (never dropped). Raises ReadError for unreadable bytes."""
    import pypdfium2 as pdfium

    sha = hashlib.sha256(data).hexdigest()
    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:  # pdfium raises PdfiumError, sometimes others, for broken input
        raise ReadError(f"not a readable PDF: {' '.join(str(exc).split())[:200]}") from exc
    try:
        n = len(pdf)
        if n == 0:
            raise ReadError("the PDF has no pages")
        own: list[tuple[str, Layer]] = []
        for i in range(n):
            try:
                t = clean(pdf[i].get_textpage().get_text_range())
            except Exception as exc:
                raise ReadError(f"page {i + 1} cannot be read: {exc}") from exc
            own.append((t, layer_kind(t)))
        results: dict[int, ocr.OcrResult | None] = {}
        todo: dict[int, bytes] = {}
        for i, (_, kind) in enumerate(own, 1):
            if kind == "text":
                continue
            hit = ocr.cached(cache_dir, sha, i)
            if hit is not None:
                results[i] = hit
            elif ocr_enabled and ocr.engine() and (ocr_pages is None or i in ocr_pages):
                todo[i] = render(pdf[i - 1])
    finally:
        pdf.close()
    if todo:
        with ThreadPoolExecutor(max(1, workers)) as pool:  # each job is a tesseract process
            for i, res in zip(todo, pool.map(ocr.ocr_image, todo.values()), strict=True):
                results[i] = res
                if res is not None:
                    ocr.store(cache_dir, sha, i, res)
    pages = tuple(compose(i, t, kind, results.get(i)) for i, (t, kind) in enumerate(own, 1))
    return DocumentText(sha, pages, ocr.engine() if results else None)


def render(page) -> bytes:
    """The page as a grayscale PGM at the OCR resolution."""
    bm = page.render(scale=ocr.DPI / 72, grayscale=True)
    return ocr.pgm(bm.width, bm.height, bm.stride, bytes(bm.buffer))


def compose(number: int, own: str, kind: Layer, res: ocr.OcrResult | None) -> PageText:
    """Choose the page's text from its own layer and its OCR (see PageText)."""
    if kind == "text":
        return PageText(number, own, kind, "pdf")
    if res is None or not res.text.strip():
        return PageText(number, own if kind == "sparse" else "", kind,
                        "pdf" if kind == "sparse" else "none")
    if kind == "sparse":
        return PageText(number, own.rstrip() + "\n\n" + res.text, kind, "pdf+ocr", res.confidence)
    return PageText(number, res.text, kind, "ocr", res.confidence)
