"""Output safety shared by every exporter (CLI and web downloads)."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A value fit for a CSV cell: a list as its values joined by ';', an object as its
    `key=value` pairs joined by ';' (never JSON in a cell),
    and text that a spreadsheet would run as a formula prefixed with an apostrophe (ICE's cells
    are typed by hand)."""
    if isinstance(value, list | tuple):
        value = ";".join("" if v is None else str(v) for v in value)
    elif isinstance(value, dict):
        value = ";".join(f"{k}={'' if v is None else v}" for k, v in value.items())
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
