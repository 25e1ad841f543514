"""County reports derived at ingest, read back as bytes.

A county profile is the most requested answer and the most expensive to build (legal help ranks
offices by distance, law gathers state and local entries: ~4 ms and ~80 KB of JSON).
Ingest stores each family's section of every county's report, per language, so that serving one
is two indexed reads and a byte splice, with no JSON parsed or encoded.

Storage is hash-consed: every JSON object or array of `NODE_MIN` bytes or more is stored once in
`report_nodes` and referred to as the string "\\u0000<hash>". Keys that make an object specific to
the place asked about (an office's distance) stay inline beside a merge reference
{"distance_km": 3.2, ..., "\\u0000": "<hash>"} so that the rest is shared. A state's entries,
an office's listing are thus stored once, not once per county. In a stored section the
references left are written between raw NULs (`_spliceable`), so serving splits in C.

A stored report is only served for the day it was computed for (families judge recognition
dates and laws in force against the day); otherwise, or when any section is missing, callers
compute it live. Tests prove the stored bytes equal the live report for every county.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import Future
from typing import Any

from patchwork_atlas.families import FAMILIES
from patchwork_atlas.kernel.family import Family
from patchwork_atlas.kernel.geo import reference as ref
from patchwork_atlas.kernel.geo.place import Place
from patchwork_atlas.kernel.i18n import LANGUAGES
from patchwork_atlas.kernel.store import connect_readonly
from patchwork_atlas.kernel.workers import fork_pool
from patchwork_atlas.read.report import county_place, place_report, report_head

RECENT_OBJECTS = 512  # large objects remembered by identity while a family's sections are built
NODE_MIN = 160
MARK = "\x00"
# Keys whose values depend on the place asked about rather than on the thing listed (an
# office's distance; which of an organization's offices are nearest): kept beside a merge
# reference so the rest of the object is shared.
PLACE_RELATIVE_KEYS = ("distance_km", "distance_mi", "in_state", "offices", "more_offices")
_REF = re.compile(r'"\\u0000([0-9a-f]{20})"|,"\\u0000":"([0-9a-f]{20})"\}')


def encode(value: Any) -> str:
    """The API's encoding (api.v1.dumps), as text."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def _key(k: Any) -> str:
    """A key as the encoder writes it (non-text keys become text, as json does)."""
    return _ENCODE(k) if isinstance(k, str) else encode({k: 0})[1:-3]


def encode_in_order(value: dict[str, Any], relative: list[str], rest: list[str]) -> str:
    """A small object kept inline: its members in their own order."""
    parts = iter(relative)
    others = iter(rest)
    return "{" + ",".join(next(parts) if k in PLACE_RELATIVE_KEYS else next(others)
                          for k in value) + "}"


# The shape of the stored sections: a stored report is served only where built with this
# format on the day asked, so an upgrade that changes a section never serves the old shape.
# 2: the law section names federal entries by reference; references stored between raw NULs.
FORMAT = 2


def _stamp(today: dt.date | None) -> str:
    """What report_builds.built_on holds: the day the sections were computed for, and FORMAT."""
    return f"{(today or dt.date.today()).isoformat()}/{FORMAT}"


def county_key(fips: str) -> str:
    return f"county:{fips}"


def _ref_of(m: re.Match[str]) -> str:
    return m.group(1) or m.group(2)


def _splice(m: re.Match[str], body: str) -> str:
    """A reference replaced by its node: a plain one by the body, a merge one by its members."""
    return body if m.group(1) else "," + body[1:]


class _Builder:
    """Hash-conses one family's sections: every object or array of NODE_MIN bytes or more
    becomes a node, referred to by hash."""

    def __init__(self, family: str):
        self.family = family
        self.nodes: dict[str, str] = {}
        self._seen: dict[bytes, str] = {}
        # Large values a family hands out again as the same object (`place_reports` reads a
        # state's law once for all its counties; sections are never changed once returned).
        self._recent: OrderedDict[int, tuple[Any, str]] = OrderedDict()

    def _store(self, body: str) -> str:
        digest = hashlib.blake2b(f"{self.family}\n{body}".encode(), digest_size=10).hexdigest()
        self.add(digest, body)
        return digest

    def add(self, digest: str, body: str) -> None:
        old = self.nodes.setdefault(digest, body)
        if old != body:  # 80 bits: never expected, but a wrong report must not be served
            raise RuntimeError(f"report node hash collision in {self.family}: {digest}")

    def cons(self, value: Any, depth: int = 0) -> str:
        """The value's JSON text (as `encode` writes it) with its large parts made references,
        built bottom-up from the children's texts. A large value is first encoded whole (in C)
        and looked up: a state's law, an office's listing, the same for many counties, is
        walked once, not once per county; only what is new is walked deeper."""
        if isinstance(value, dict | list | tuple):
            recent = self._recent.get(id(value))
            if recent is not None and recent[0] is value:  # the same object as a county before
                self._recent.move_to_end(id(value))
                return recent[1]
            if any(id(v) in self._recent for v in (value.values() if isinstance(value, dict) else value)):
                return self._cons(value, depth)  # a new box around known parts: walk, not encode
            plain = _ENCODE(value)
            if len(plain) >= NODE_MIN:
                seen = hashlib.blake2b(plain.encode(), digest_size=16).digest()
                hit = self._seen.get(seen)
                if hit is None:
                    hit = self._seen[seen] = self._cons(value, depth)
                self._recent[id(value)] = (value, hit)  # held, so that its id is not reused
                if len(self._recent) > RECENT_OBJECTS:
                    self._recent.popitem(last=False)
                return hit
        return self._cons(value, depth)

    def _cons(self, value: Any, depth: int) -> str:
        if isinstance(value, str):
            if MARK in value:  # references are the only NULs a stored body may hold
                raise ValueError(f"{self.family}: a report value holds NUL: {value[:40]!r}")
            return _ENCODE(value)
        if isinstance(value, dict):
            if any(k in PLACE_RELATIVE_KEYS for k in value):
                # The rest looked up on its own (an office without its distance is the same
                # office for every county): a reference when large, then only merged here.
                shared = self.cons({k: v for k, v in value.items() if k not in PLACE_RELATIVE_KEYS},
                                   depth + 1)
                if shared.startswith('"\\u0000'):
                    relative = [f"{_key(k)}:{self.cons(v, depth + 1)}"
                                for k, v in value.items() if k in PLACE_RELATIVE_KEYS]
                    return "{" + ",".join(relative) + ',"\\u0000":"' + shared[7:-1] + '"}'
            relative, rest = [], []
            for k, v in value.items():
                key = _key(k)
                if MARK in key:
                    raise ValueError(f"{self.family}: a report key holds NUL")
                (relative if k in PLACE_RELATIVE_KEYS else rest).append(f"{key}:{self.cons(v, depth + 1)}")
            body = "{" + ",".join(rest) + "}"
            if len(body) < NODE_MIN or not rest:
                return body if not relative else encode_in_order(value, relative, rest)
            digest = self._store(body)
            if relative:
                return "{" + ",".join(relative) + ',"\\u0000":"' + digest + '"}'
            return '"\\u0000' + digest + '"'
        if isinstance(value, list | tuple):
            body = "[" + ",".join(self.cons(v, depth + 1) for v in value) + "]"
            return '"\\u0000' + self._store(body) + '"' if len(body) >= NODE_MIN else body
        return _ENCODE(value)

    def flatten(self, sections: list[str]) -> tuple[list[str], dict[str, str]]:
        """Keep as references only the nodes two or more sections reach (stored whole, with
        nothing left to resolve); write the others into their section. One read then gets a
        section and the nodes it names, and one pass splices them in."""
        children = {h: {_ref_of(m) for m in _REF.finditer(b)} for h, b in self.nodes.items()}
        # Which nodes two or more sections reach, each node and edge visited about once: a
        # node keeps the first section that reached it; reached from another, it and all it
        # contains are shared (walking every section's whole tree cost a second per family).
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        shared: set[str] = set()
        for i, body in enumerate(sections):
            todo = [_ref_of(m) for m in _REF.finditer(body)]
            while todo:
                h = todo.pop()
                if h in shared or last.get(h) == i:
                    continue
                last[h] = i
                if first.setdefault(h, i) == i:
                    todo.extend(children[h])
                    continue
                below = [h]
                while below:
                    n = below.pop()
                    if n not in shared:
                        shared.add(n)
                        below.extend(children[n])
        whole: dict[str, str] = {}

        def expanded(h: str) -> str:
            if h not in whole:
                whole[h] = _REF.sub(lambda m: _splice(m, expanded(_ref_of(m))), self.nodes[h])
            return whole[h]

        kept: dict[str, str] = {}

        def skeleton(body: str) -> str:
            def one(m: re.Match[str]) -> str:
                h = _ref_of(m)
                if h in shared:
                    kept[h] = expanded(h)
                    return m.group(0)
                return _splice(m, skeleton(self.nodes[h]))
            return _REF.sub(one, body)

        return [skeleton(body) for body in sections], kept


def _dictionary(texts: list[str]) -> bytes:
    """A zlib preset dictionary from an even sample of the sections: their keys and phrases
    repeat from county to county, which a section of 2 KB cannot exploit on its own."""
    step = max(1, len(texts) // 40)
    return "".join(texts[::step]).encode()[-32768:]


def _pack(text: str, zdict: bytes) -> bytes:
    z = zlib.compressobj(6, zdict=zdict)
    return z.compress(text.encode()) + z.flush()


def _unpack(blob: bytes, zdict: bytes) -> bytes:
    z = zlib.decompressobj(zdict=zdict)
    return z.decompress(blob) + z.flush()


def _spliceable(skeleton: str) -> str:
    """A section as stored: each reference to a shared node between two raw NULs, "W" and its
    hash for a node spliced whole, "M" and its hash for one merged into the object around it.
    JSON text never holds a raw NUL (the encoder escapes it, and values with NUL are refused),
    so serving splits on NUL in C instead of running a regex over every section."""
    return _REF.sub(lambda m: f"\x00W{m.group(1)}\x00" if m.group(1) else f"\x00M{m.group(2)}\x00",
                    skeleton)


def _sections(conn: sqlite3.Connection, family: Family, fips: list[str]) -> tuple[list[str], dict[str, str]]:
    """Each county's section text, language after language, and the nodes they refer to."""
    builder = _Builder(family.name)
    bodies: list[str] = []
    varies = getattr(family, "report_varies_by_language", True)
    places = [county_place(code) for code in fips]
    assert all(places)
    by_lang = {lang: family.place_reports(conn, places, lang) for lang in (LANGUAGES if varies else LANGUAGES[:1])}
    for _ in places:
        body = None
        for lang in LANGUAGES:
            if body is None or varies:
                section = next(by_lang[lang])
                # Each key on its own: the section's braces are the report's.
                body = ",".join(f"{_key(k)}:{builder.cons(v)}" for k, v in section.items())
            bodies.append(body)
    return bodies, builder.nodes


_WORKER_CONN: sqlite3.Connection | None = None


def _sections_in_worker(db_path: str, family_name: str, fips: list[str]) -> tuple[list[str], dict[str, str]]:
    global _WORKER_CONN
    if _WORKER_CONN is None:
        _WORKER_CONN = connect_readonly(db_path)
    family = next(f for f in FAMILIES if f.name == family_name)
    return _sections(_WORKER_CONN, family, fips)


class Sections:
    """County sections being computed in worker processes, each reading the database as
    committed when it starts; `build` collects them. Close it when done."""

    def __init__(self, db_path: str, fips: list[str], workers: int):
        self.db_path, self.fips = db_path, fips
        self.step = -(-len(fips) // (workers * 4))
        self.pool = fork_pool(workers)
        self.pending: dict[str, list[Future]] = {}

    def add(self, families: Iterable[Family]) -> None:
        for family in families:
            if family.name not in self.pending:
                self.pending[family.name] = [
                    self.pool.submit(_sections_in_worker, self.db_path, family.name, self.fips[i:i + self.step])
                    for i in range(0, len(self.fips), self.step)]

    def result(self, family: Family) -> tuple[list[str], list[dict[str, str]]]:
        parts = [future.result() for future in self.pending[family.name]]
        return [b for part, _ in parts for b in part], [nodes for _, nodes in parts]

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


def _county_fips() -> list[str]:
    return [c.fips for c in ref.counties() if county_place(c.fips) is not None]


def start(conn: sqlite3.Connection, families: Iterable[Family], workers: int) -> Sections | None:
    """Start computing the families' sections in `workers` processes from the database as
    committed (nothing the sections read may change before `build`); None for one worker."""
    db_path = conn.execute("PRAGMA database_list").fetchone()[2]
    if workers < 2 or not db_path:
        return None
    sections = Sections(db_path, _county_fips(), workers)
    sections.add(families)
    return sections


def build(conn: sqlite3.Connection, families: Iterable[Family] | None = None,
          today: dt.date | None = None, workers: int = 1, started: Sections | None = None) -> dict[str, int]:
    """Recompute and store the county sections of the given families (all by default), inside
    the caller's transaction. Returns the number of shared nodes stored per family.

    With `workers` > 1 the sections are computed in that many processes, each reading the
    database file as committed: only for a caller with nothing uncommitted that the sections
    read (ingest commits its derivations first). `started`: sections already being computed
    (`start`), used for the families it holds; its caller closes it."""
    today = today or dt.date.today()
    fips = _county_fips()
    keys = [(county_key(code), lang) for code in fips for lang in LANGUAGES]
    families = list(families if families is not None else FAMILIES)
    sections = started or start(conn, [], workers)
    out = {}
    try:
        if sections is not None:
            # Every family's share of the work is handed out at once: the workers go on with
            # the next families while this process stores the one before.
            sections.add(families)
        for family in families:
            builder = _Builder(family.name)
            if sections is None:
                bodies, builder.nodes = _sections(conn, family, fips)
            else:
                bodies, parts = sections.result(family)
                for nodes in parts:
                    for h, body in nodes.items():
                        builder.add(h, body)
            flat, kept = builder.flatten(bodies)
            flat = [_spliceable(text) for text in flat]
            zdict = _dictionary(flat)
            conn.execute("DELETE FROM report_sections WHERE family = ?", (family.name,))
            conn.execute("DELETE FROM report_nodes WHERE family = ?", (family.name,))
            conn.executemany("INSERT INTO report_nodes(hash, family, body) VALUES (?,?,?)",
                             [(h, family.name, zlib.compress(b.encode(), 6)) for h, b in kept.items()])
            rows, last = [], (None, b"")
            for (place, lang), text in zip(keys, flat, strict=True):
                if text != last[0]:  # a section the same in both languages is compressed once
                    last = (text, _pack(text, zdict))
                rows.append((place, lang, family.name, last[1]))
            conn.executemany("INSERT INTO report_sections(place, lang, family, body) VALUES (?,?,?,?)", rows)
            conn.execute("INSERT OR REPLACE INTO report_builds(family, built_on, places, zdict)"
                         " VALUES (?,?,?,?)", (family.name, _stamp(today), len(fips), zdict))
            out[family.name] = len(kept)
    finally:
        if sections is not None and started is None:
            sections.close()
    return out


def stale(conn: sqlite3.Connection, changed: Iterable[str], today: dt.date | None = None) -> list[Family]:
    """The families whose sections must be rebuilt: those that changed, those deriving from
    one that changed, those not built (or withdrawn), and all of them on a new day."""
    stamp = _stamp(today)
    built = dict(conn.execute("SELECT family, built_on FROM report_builds").fetchall())
    changed = set(changed)
    if any(day != stamp for day in built.values()):
        return list(FAMILIES)
    return [f for f in FAMILIES
            if f.name not in built or f.name in changed or changed & set(f.derives_from)]


def withdraw(conn: sqlite3.Connection, changed: Iterable[str]) -> None:
    """Stop serving the stored sections of the families that changed (and of those deriving from
    them) until they are rebuilt: readers then build those reports live, never stale."""
    changed = set(changed)
    for f in FAMILIES:
        if f.name in changed or changed & set(f.derives_from):
            conn.execute("DELETE FROM report_builds WHERE family = ?", (f.name,))


def county_report_json(conn: sqlite3.Connection, fips: str, lang: str, head: dict[str, Any],
                       today: dt.date | None = None) -> bytes | None:
    """The stored report of a county as the API encodes it, `head` (place, state, counties)
    first; None when a section is missing or was computed for another day."""
    stamp = _stamp(today)
    try:
        rows = conn.execute(
            "SELECT s.family, s.body, b.built_on, b.zdict FROM report_sections s"
            " JOIN report_builds b ON b.family = s.family WHERE s.place = ? AND s.lang = ?",
            (county_key(fips), lang)).fetchall()
    except sqlite3.OperationalError:  # a database from before migration 0015
        return None
    if len(rows) != len(FAMILIES) or any(r[2] != stamp for r in rows):
        return None
    order = {f.name: i for i, f in enumerate(FAMILIES)}
    rows.sort(key=lambda r: order.get(r[0], len(order)))  # the live report's order
    # text, reference, text, ... (see _spliceable)
    pieces = [text.split(b"\x00") for r in rows if (text := _unpack(r[1], r[3]))]
    wanted = {ref[1:] for p in pieces for ref in p[1::2]}
    nodes = _NODES.get_many(conn, wanted)
    if nodes is None:
        return None
    out = [encode(head)[:-1].encode()]
    for p in pieces:
        p[1::2] = [nodes[ref[1:]] if ref[0] == 87 else b"," + nodes[ref[1:]][1:] for ref in p[1::2]]  # W
        out.append(b",")
        out.extend(p)
    return b"".join(out) + b"}"


class _NodeMemo:
    """Decompressed nodes by hash, bounded. A hash names one body forever (it is the body's
    digest), so nothing here can go stale: this spares zlib, not the database (a first visit
    after ingest still reads every node it needs from SQLite)."""

    def __init__(self, max_bytes: int = 8 * 1024 * 1024):
        self.max_bytes = max_bytes
        self._items: OrderedDict[bytes, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get_many(self, conn: sqlite3.Connection, wanted: set[bytes]) -> dict[bytes, bytes] | None:
        with self._lock:
            found = {h: self._items[h] for h in wanted if h in self._items}
        missing = sorted(h.decode() for h in wanted if h not in found)
        for i in range(0, len(missing), 500):
            chunk = missing[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for h, body in conn.execute(
                    f"SELECT hash, body FROM report_nodes WHERE hash IN ({marks})", chunk):  # noqa: S608
                found[h.encode()] = zlib.decompress(body)
        if len(found) != len(wanted):
            return None
        with self._lock:
            for h, body in found.items():
                if h in self._items:
                    self._items.move_to_end(h)
                elif len(body) < self.max_bytes // 16:
                    self._items[h] = body
                    self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, body = self._items.popitem(last=False)
                self._bytes -= len(body)
        return found


_NODES = _NodeMemo()


def _is_stored_kind(place: Place) -> bool:
    """A whole county as ingest built it (the same name, point and municipality: a section may
    name the place or measure from its point); a search's notes and alternatives may differ."""
    if place.kind != "county" or len(place.county_fips) != 1:
        return False
    built = county_place(place.county_fips[0])
    return built is not None and all(
        getattr(place, f) == getattr(built, f)
        for f in ("name", "state_usps", "state_fips", "county_fips", "municipality", "lat", "lon",
                  "postal_cities"))


def report_json(conn: sqlite3.Connection, place: Place, lang: str = "en") -> bytes:
    """A place's report encoded as the API answers it: a whole county's from storage when
    it is there and current, else (ZIPs, places, another day, an older database) built live."""
    if _is_stored_kind(place):
        stored = county_report_json(conn, place.county_fips[0], lang, report_head(place))
        if stored is not None:
            return stored
    return encode(place_report(conn, place, lang)).encode()


def report(conn: sqlite3.Connection, place: Place, lang: str = "en") -> dict[str, Any]:
    """The same report as a dict (for templates): parsing stored JSON costs less than building."""
    return json.loads(report_json(conn, place, lang))
