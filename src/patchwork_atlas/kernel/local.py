"""Read publications from local files or folders, with the provenance a manifest.csv gives."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

SKIP_NAMES = {"manifest.csv", "readme.md", ".ds_store"}


def _manifest_for(folder: Path, cache: dict[Path, dict[str, dict[str, str]]]) -> dict[str, dict[str, str]]:
    """Map absolute file path -> manifest row, from the nearest manifest.csv up the tree."""
    for candidate in [folder, *folder.parents]:
        if candidate in cache:
            return cache[candidate]
        manifest = candidate / "manifest.csv"
        if manifest.is_file():
            with open(manifest, newline="", encoding="utf-8") as fh:
                rows = {str((candidate / r["file"]).resolve()): r for r in csv.DictReader(fh) if r.get("file")}
            cache[candidate] = rows
            return rows
    return {}


def local_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, dict[str, str]]]:
    cache: dict[Path, dict[str, dict[str, str]]] = {}
    for item in paths:
        path = Path(item)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower() not in SKIP_NAMES and not p.name.startswith("."))
        elif path.is_file():
            files = [path]
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
        for file in files:
            rows = _manifest_for(file.resolve().parent, cache)
            yield file, dict(rows.get(str(file.resolve()), {}))
