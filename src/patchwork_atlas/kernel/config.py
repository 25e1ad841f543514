"""Where Patchwork keeps its files: one data directory, one SQLite file, one raw archive."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "PATCHWORK_DATA_DIR"
DB_ENV = "PATCHWORK_DB"
SOURCE_ENV = "PATCHWORK_SOURCE"


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV])
    base = os.environ.get("XDG_DATA_HOME") or (Path.home() / ".local" / "share")
    return Path(base) / "patchwork"


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV])
    return data_dir() / "patchwork.sqlite"


def archive_dir(data: str | os.PathLike | None = None) -> Path:
    return data_dir(data) / "archive"
