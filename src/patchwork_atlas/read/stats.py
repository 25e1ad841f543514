"""`patchwork stats`: each family's figures, in the order of `FAMILIES`."""

from __future__ import annotations

import sqlite3
from typing import Any

from patchwork_atlas.families import FAMILIES

# Keys of the registry's own figures, printed first; every other key is a titled section.
_REGISTRY_KEYS = {
    "latest_participating", "latest_pending", "agreements_by_status", "applications_by_status",
    "publications", "files", "agencies", "events_by_kind", "over_time",
}  # fmt: skip


def collect(conn: sqlite3.Connection) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for family in FAMILIES:
        data.update(family.stats(conn) or {})
    return data


def render_text(data: dict[str, Any]) -> str:
    lines = []
    for list_name in ("participating", "pending"):
        latest = data.get(f"latest_{list_name}")
        if not latest:
            lines.append(f"No {list_name} list ingested.")
            continue
        suspect = " (flagged suspect)" if latest["suspect"] else ""
        lines.append(f"Latest {list_name} list: {latest['published_date']}{suspect}, {latest['rows']} rows")
        lines.append("  by model: " + ", ".join(f"{m} {n}" for m, n in latest["by_model"].items()))
        if list_name == "participating":
            for state, counts in latest["by_state"].items():
                lines.append(f"  {state}: " + ", ".join(f"{m} {n}" for m, n in counts.items()))
    lines.append("Agreements: " + ", ".join(f"{k} {v}" for k, v in sorted(data["agreements_by_status"].items())))
    lines.append("Applications: " + ", ".join(f"{k} {v}" for k, v in sorted(data["applications_by_status"].items())))
    lines.append(f"Agencies: {data['agencies']}; publications: " + ", ".join(f"{k} {v}" for k, v in data["publications"].items()))
    lines.append("Files: " + ", ".join(f"{k} {v}" for k, v in data["files"].items()))
    start = data["over_time"][0]["as_of"] if data["over_time"] else None
    lines.append("Rows by model over time (last list of each month)"
                 + (f", from the first list we hold ({start}); none is drawn before it:" if start else ":"))
    for point in data["over_time"]:
        models = ", ".join(f"{k} {v}" for k, v in point.items() if k not in ("month", "as_of", "total"))
        lines.append(f"  {point['month']}: {point['total']} ({models})")
    for section, value in data.items():
        if section in _REGISTRY_KEYS or not isinstance(value, dict):
            continue
        lines.append(f"{section.replace('_', ' ').capitalize()}:")
        for key, item in value.items():
            lines.append(f"  {key}: {item}")
    return "\n".join(lines)
