"""Geography timings: resolve one publication's agencies; warm `locate` for ZIP, city, county, point.

Run: .venv/bin/python bench/geo.py   (reads ../shared/data; prints a Markdown table)
"""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ice-287g" / "publications" / "ice-xlsx"


def _latest_rows() -> tuple[str, list[tuple[str, str, str, str]]]:
    from python_calamine import CalamineWorkbook

    def key(p: Path) -> str:
        m = re.search(r"Agencies(\d{2})(\d{2})(\d{4})(?!\d)", p.name)
        return f"{m.group(3)}{m.group(1)}{m.group(2)}" if m else ""

    path = sorted(SHARED.glob("participatingAgencies*.xlsx"), key=key)[-1]
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    h = [str(c).strip().upper() for c in sheet[0]]
    i = [h.index(c) for c in ("STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY")]
    rows = [tuple(str(r[j]) for j in i) for r in sheet[1:] if str(r[i[1]]).strip()]
    return path.name, rows


def main() -> None:
    name, rows = _latest_rows()
    t0 = time.perf_counter()
    from patchwork_atlas.kernel.geo.resolver import resolve

    for r in rows:
        resolve(*r)
    cold = time.perf_counter() - t0
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        for r in rows:
            resolve(*r)
        runs.append(time.perf_counter() - t)
    print(f"| resolve {len(rows)} agencies of {name}, cold (loads reference) | {cold:.2f} s |")
    print(f"| resolve {len(rows)} agencies, warm (median of 3) | {statistics.median(runs):.2f} s |")

    from patchwork_atlas.kernel.geo.lookup import locate

    for label, args in [
        ("ZIP 33602", ("33602",)),
        ("'Level Plains, AL'", ("Level Plains, AL",)),
        ("'Duval County, FL'", ("Duval County, FL",)),
        ("point 27.95,-82.46", (None, 27.95, -82.46)),
    ]:
        locate(*args)
        n = 2000
        t = time.perf_counter()
        for _ in range(n):
            locate(*args)
        print(f"| warm locate {label} | {(time.perf_counter() - t) / n * 1e3:.3f} ms |")


if __name__ == "__main__":
    main()
