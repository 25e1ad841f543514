"""The 'Before you pay anyone' and 'If someone is detained' guides: long texts in both
languages kept in guidance.yaml beside the official sources they rest on (URL and access date),
so every sentence shown can be traced to what was read."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

SECTIONS = ("before_you_pay", "if_detained")
LANGUAGES = ("en", "es")


@lru_cache(maxsize=1)
def _load() -> dict[str, Any]:
    text = (resources.files("patchwork_atlas.families.eoir") / "guidance.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def problems() -> list[str]:
    """What is missing from guidance.yaml: a language, a source, a source's URL or date."""
    data = _load()
    out = []
    for sid, src in data["sources"].items():
        out += [f"source {sid}: no {k}" for k in ("publisher", "title", "url", "accessed", "read") if not src.get(k)]
    for section in SECTIONS:
        block = data[section]
        out += [f"{section}: title without {lang}" for lang in LANGUAGES if not block["title"].get(lang)]
        for i, point in enumerate(block["points"]):
            out += [f"{section}[{i}]: no {lang}" for lang in LANGUAGES if not point.get(lang)]
            if not point.get("sources"):
                out.append(f"{section}[{i}]: no source")
            out += [f"{section}[{i}]: unknown source {s}" for s in point.get("sources", [])
                    if s not in data["sources"]]
    return out


def guidance(lang: str) -> dict[str, Any]:
    """Both guides in one language, each point with its sources (publisher, title, URL, date).
    One object per language, shared by every report: read it, never change it."""
    return _guidance(lang if lang in LANGUAGES else "en")


@lru_cache(maxsize=len(LANGUAGES))
def _guidance(lang: str) -> dict[str, Any]:
    data = _load()
    out: dict[str, Any] = {}
    for section in SECTIONS:
        block = data[section]
        out[section] = {
            "title": block["title"][lang],
            "points": [
                {"text": " ".join(p[lang].split()), "link": p.get("link"),
                 "sources": [{k: data["sources"][s][k] for k in ("publisher", "title", "url", "accessed")}
                             for s in p["sources"]]}
                for p in block["points"]
            ],
        }  # fmt: skip
    return out
