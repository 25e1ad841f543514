"""Tesseract OCR of one PDF page, cached on disk so a page is read once ever.

The tesseract binary is called through subprocess (no Python binding to pin) on a 300 dpi
grayscale rendering passed as PGM on stdin. One TSV run gives both the words and their
confidences, so the text and its mean confidence come from the same pass.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

DPI = 300
LANG = "eng"
TIMEOUT_S = 120


@dataclass(frozen=True)
class OcrResult:
    """The OCR text of a page, its mean word confidence (0–100) and the engine that read it."""

    text: str
    confidence: float | None
    engine: str


@functools.cache
def engine() -> str | None:
    """``tesseract-5.3.0-eng-300dpi`` where tesseract runs, else None: part of the cache key,
    so a new engine version reads the pages again rather than trusting older output."""
    exe = shutil.which("tesseract")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"tesseract\s+v?(\S+)", out.stdout + out.stderr)
    return f"tesseract-{m.group(1) if m else 'unknown'}-{LANG}-{DPI}dpi"


def cache_path(cache_dir: Path, sha256: str, page: int, eng: str) -> Path:
    """One JSON file per (document, 1-based page, engine)."""
    return cache_dir / "moa-ocr" / sha256[:2] / f"{sha256}-p{page:03d}-{eng}.json"


def cached(cache_dir: Path | None, sha256: str, page: int) -> OcrResult | None:
    """The cached OCR of a page by the installed engine, if any."""
    eng = engine()
    if cache_dir is None or eng is None:
        return None
    path = cache_path(cache_dir, sha256, page, eng)
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return OcrResult(d["text"], d["confidence"], eng)


def store(cache_dir: Path | None, sha256: str, page: int, result: OcrResult) -> None:
    """Write atomically (rename), so parallel workers never leave a half-written entry."""
    if cache_dir is None:
        return
    path = cache_path(cache_dir, sha256, page, result.engine)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"text": result.text, "confidence": result.confidence}),
                   encoding="utf-8")
    tmp.replace(path)


def pgm(width: int, height: int, stride: int, buffer: bytes) -> bytes:
    """A binary PGM of a grayscale bitmap (leptonica reads it from stdin; no Pillow needed)."""
    rows = buffer if stride == width else b"".join(
        buffer[i * stride: i * stride + width] for i in range(height))
    return b"P5\n%d %d\n255\n" % (width, height) + rows


def tsv_text(tsv: str) -> tuple[str, float | None]:
    """Rebuild lines from tesseract's TSV words (blank line between blocks) and average the
    confidences of the words that carry text."""
    lines: list[str] = []
    confs: list[float] = []
    key: tuple[str, str, str] | None = None
    block: str | None = None
    for row in tsv.splitlines()[1:]:
        f = row.split("\t")
        if len(f) < 12 or f[0] != "5" or not f[11].strip():
            continue
        if block is not None and f[2] != block:
            lines.append("")
        if (f[2], f[3], f[4]) != key:
            lines.append(f[11])
        else:
            lines[-1] += " " + f[11]
        key, block = (f[2], f[3], f[4]), f[2]
        confs.append(float(f[10]))
    return "\n".join(lines), (round(sum(confs) / len(confs), 1) if confs else None)


def ocr_image(image: bytes) -> OcrResult | None:
    """OCR an image (any format leptonica reads) with one thread; None without tesseract."""
    eng = engine()
    if eng is None:
        return None
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        out = subprocess.run(["tesseract", "stdin", "stdout", "-l", LANG, "--dpi", str(DPI), "tsv"],
                             input=image, capture_output=True, env=env, timeout=TIMEOUT_S)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    text, conf = tsv_text(out.stdout.decode("utf-8", "replace"))
    return OcrResult(text, conf, eng)
