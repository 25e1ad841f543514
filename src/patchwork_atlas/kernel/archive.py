"""Content-addressed archive of every raw file, with an append-only manifest on disk.

The archive is written before parsing, so a file that is later rejected is still kept
(never lose data); the manifest line records why it was rejected.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class RawFile:
    """One file as obtained, and where its bytes now sit in the archive."""

    sha256: str
    bytes: int
    path: Path  # the archived copy
    archive_path: str  # relative to the data dir
    origin: str  # URL or the path it was read from
    file_name: str
    retrieved_utc: str
    etag: str | None = None
    last_modified: str | None = None
    provenance: dict[str, str] = field(default_factory=dict)  # from a manifest beside the file

    def head(self, n: int = 4096) -> bytes:
        with open(self.path, "rb") as fh:
            return fh.read(n)


class Archive:
    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / "archive"
        self.manifest = self.root / "manifest.jsonl"

    def store_bytes(
        self,
        content: bytes,
        *,
        origin: str,
        file_name: str,
        retrieved_utc: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        provenance: dict[str, str] | None = None,
    ) -> RawFile:
        sha = hashlib.sha256(content).hexdigest()
        suffix = Path(file_name).suffix.lower()[:8] or ".bin"
        rel = Path("archive") / sha[:2] / f"{sha}{suffix}"
        dest = self.data_dir / rel
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, dest)
        return RawFile(
            sha256=sha,
            bytes=len(content),
            path=dest,
            archive_path=rel.as_posix(),
            origin=origin,
            file_name=file_name,
            retrieved_utc=retrieved_utc or utc_now(),
            etag=etag,
            last_modified=last_modified,
            provenance=dict(provenance or {}),
        )

    def store_path(self, path: Path, *, provenance: dict[str, str] | None = None) -> RawFile:
        return self.store_bytes(
            Path(path).read_bytes(),
            origin=str(Path(path).resolve()),
            file_name=Path(path).name,
            provenance=provenance,
        )

    def record(self, raw: RawFile, outcome: str, detail: str = "") -> None:
        """Append one manifest line: what was obtained, from where, when, and what became of it."""
        self.root.mkdir(parents=True, exist_ok=True)
        entry = {**vars(raw), "provenance": dict(raw.provenance), "path": raw.archive_path}
        entry.update(outcome=outcome, detail=detail, recorded_utc=utc_now())
        with open(self.manifest, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
