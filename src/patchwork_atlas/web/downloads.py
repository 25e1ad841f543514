"""Bulk downloads: CSV/JSON tables, county GeoJSON, a consistent SQLite snapshot, raw files."""

from __future__ import annotations

import atexit
import json
import os
import re
import sqlite3
import tempfile
import threading
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from patchwork_atlas.api.v1 import dumps
from patchwork_atlas.read import dictionary, tables
from patchwork_atlas.read import queries as q
from patchwork_atlas.read.database import Database
from patchwork_atlas.web.render import page

SHA256 = re.compile(r"^[0-9a-f]{64}$")
BIG = 1_000_000


class Downloads:
    def __init__(self, db: Database, data_dir: Path):
        self.db = db
        self.data_dir = Path(data_dir).resolve()
        self._snapshot: tuple[str, Path] | None = None
        self._inventory: tuple[str, list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]] | None = None
        self._lock = threading.Lock()

    def inventory(self) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Every table's rows, size, coverage and described columns, and the as-of dates: once
        per database state (the page and datapackage.json share it)."""
        state = self.db.state()
        cached = self._inventory
        if cached is None or cached[0] != state:
            with self.db.snapshot() as conn:
                cached = (state, dictionary.inventory(conn), q.freshness(conn), q.coverage(conn))
            self._inventory = cached
        return cached[1], cached[2]

    def page(self, request: Request) -> Response:
        """The downloads page: files with sizes, rows and coverage, and the data dictionary."""
        inventory, fresh = self.inventory()
        return page(request, "downloads.html", inventory=inventory, fresh=fresh,
                    coverage=self._inventory[3] if self._inventory else None,
                    titles=dictionary.TABLE_TITLES, sources=dictionary.SOURCES)

    def datapackage(self) -> Response:
        inventory, fresh = self.inventory()
        body = dictionary.datapackage(inventory, fresh.get("participating_as_of"))
        return Response(dumps(body), media_type="application/json")

    def table(self, request: Request) -> Response:
        name, fmt = request.path_params["name"], request.path_params["fmt"]
        if (name, fmt) == ("datapackage", "json"):
            return self.datapackage()
        if name not in tables.TABLES or fmt not in ("csv", "json"):
            return Response("not found", status_code=404, media_type="text/plain")
        with self.db.snapshot() as conn:
            rows = tables.rows(conn, name)
        headers = {"content-disposition": f'attachment; filename="patchwork-{name}.{fmt}"'}
        if fmt == "json":
            return Response(dumps(tables.to_json_rows(name, rows)), media_type="application/json",
                            headers=headers)
        return Response(tables.to_csv(name, rows), media_type="text/csv; charset=utf-8",
                        headers=headers)

    def geojson(self, request: Request) -> Response:
        from patchwork_atlas.web import mapsvg

        path = mapsvg.topojson_path()
        if path is None:
            return Response("not found", status_code=404, media_type="text/plain")
        unprojected = path.with_name("counties-10m.json")
        with self.db.snapshot() as conn:
            status = q.county_status(conn)
        features = []
        for fips, name, geometry in county_geometries(str(unprojected)):
            info = status["counties"].get(fips, {"models": set(), "agencies": set()})
            features.append({"type": "Feature", "id": fips, "geometry": geometry, "properties": {
                "fips": fips, "name": name, "active_models": sorted(info["models"]),
                "agencies": sorted(info["agencies"]),
                "statewide_models": sorted(status["statewide"].get(fips[:2], {}).get("models", ())),
            }})
        body = dumps({"type": "FeatureCollection", "features": features})
        return Response(body, media_type="application/geo+json",
                        headers={"content-disposition": 'attachment; filename="patchwork-counties.geojson"'})

    def snapshot(self, request: Request) -> Response:
        """A consistent copy made with SQLite's backup API, once per database state."""
        state = self.db.state()
        with self._lock:
            if self._snapshot is None or self._snapshot[0] != state or not self._snapshot[1].exists():
                if self._snapshot is not None:
                    self._snapshot[1].unlink(missing_ok=True)
                fd, tmp = tempfile.mkstemp(prefix="patchwork-snapshot-", suffix=".sqlite")
                os.close(fd)
                dest = sqlite3.connect(tmp)
                try:
                    self.db.conn().backup(dest)
                    scrub_local_paths(dest)
                    dest.execute("PRAGMA journal_mode=DELETE")
                finally:
                    dest.close()
                self._snapshot = (state, Path(tmp))
                atexit.register(Path(tmp).unlink, missing_ok=True)
            path = self._snapshot[1]
        return FileResponse(path, media_type="application/vnd.sqlite3", filename="patchwork.sqlite",
                            headers={"cache-control": "no-store"})

    def raw(self, request: Request) -> Response:
        sha = request.path_params["sha256"].lower()
        if not SHA256.match(sha):
            return Response("not found", status_code=404, media_type="text/plain")
        with self.db.snapshot() as conn:
            found = q.raw_file(conn, sha)
        if found is None:
            return Response("not found", status_code=404, media_type="text/plain")
        path = (self.data_dir / found["archive_path"]).resolve()
        if not path.is_relative_to(self.data_dir) or not path.is_file():
            return Response("not found", status_code=404, media_type="text/plain")
        name = re.sub(r"[^A-Za-z0-9._-]", "_", found["file_name"] or f"{sha}.bin")[:120]
        headers = {"cache-control": "public, max-age=31536000, immutable"}
        if is_pdf(path, name):  # shown in the browser, so that links to #page=N open that page
            return FileResponse(path, filename=name, media_type="application/pdf", headers=headers,
                                content_disposition_type="inline")
        return FileResponse(path, filename=name, media_type="application/octet-stream",
                            headers=headers)


def is_pdf(path: Path, name: str) -> bool:
    """A PDF by its name or its first bytes (an archived file's name may lack the suffix)."""
    if name.lower().endswith(".pdf"):
        return True
    with path.open("rb") as fh:
        return fh.read(5) == b"%PDF-"


def scrub_local_paths(conn: sqlite3.Connection) -> None:
    """The copy must not show the server's file system: a local file's origin becomes its file
    name (a URL stays), then VACUUM so no freed page still holds the old text."""
    conn.execute("UPDATE OR REPLACE file_sightings SET origin = file_name WHERE origin NOT LIKE 'http://%'"
                 " AND origin NOT LIKE 'https://%'")
    conn.execute("UPDATE moas SET origin = file_name WHERE origin NOT LIKE 'http://%'"
                 " AND origin NOT LIKE 'https://%'")
    conn.commit()
    conn.execute("VACUUM")


def county_geometries(path: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Counties as GeoJSON geometries (lon/lat), decoded once from the us-atlas TopoJSON."""
    if path not in _GEOMETRY_CACHE:
        from patchwork_atlas.kernel.geo.topo import decode_arcs, ring_points

        topo = json.loads(Path(path).read_text(encoding="utf-8"))
        arcs = [[(round(x, 5), round(y, 5)) for x, y in a] for a in decode_arcs(topo)]
        out = []
        for g in topo["objects"]["counties"]["geometries"]:
            if g.get("type") == "Polygon":
                geometry = {"type": "Polygon", "coordinates": [ring_points(arcs, r) for r in g["arcs"]]}
            elif g.get("type") == "MultiPolygon":
                geometry = {"type": "MultiPolygon",
                            "coordinates": [[ring_points(arcs, r) for r in poly] for poly in g["arcs"]]}
            else:
                continue
            out.append((str(g["id"]), (g.get("properties") or {}).get("name", ""), geometry))
        _GEOMETRY_CACHE[path] = out
    return _GEOMETRY_CACHE[path]


_GEOMETRY_CACHE: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
