"""Reports of errors sent by readers: a small SQLite file of its own in the data directory, the
only file the web server writes (the atlas database stays read-only for it).

It also keeps what every worker must share: the secret that signs the form tokens (CSRF) and
the rate counts. Clients are counted by a keyed hash of their address, truncated, whose key
changes every day, and counts older than two hours are deleted: no address is ever stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any

from patchwork_atlas.kernel import config
from patchwork_atlas.kernel.i18n import gettext

MAX_BODY = 8_000           # bytes of a posted form
MAX_WHAT, MAX_SOURCE, MAX_CONTACT = 2_000, 500, 200
PER_CLIENT_PER_HOUR = 5
PER_DAY = 500              # all clients together: the file cannot be filled
TOKEN_SECONDS = 4 * 3600
FACT = re.compile(r"(agreement|agency|facility|law|office|moa|death):[A-Za-z0-9._:-]{1,80}")

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
  report_id     INTEGER PRIMARY KEY,
  received_utc  TEXT NOT NULL,
  fact          TEXT NOT NULL,      -- agreement:agr-..., agency:ag-..., facility:..., law:..., office:..., moa:moa-...
  what          TEXT NOT NULL,      -- what is wrong
  source        TEXT NOT NULL,      -- the source that shows it
  contact       TEXT,               -- optional; never published
  status        TEXT NOT NULL DEFAULT 'open',   -- open | accepted | rejected
  decided_utc   TEXT,
  decision      TEXT                -- the reason given when accepting or rejecting
);
CREATE TABLE IF NOT EXISTS rate (bucket TEXT NOT NULL, hour TEXT NOT NULL, n INTEGER NOT NULL,
                                 PRIMARY KEY (bucket, hour));
CREATE TABLE IF NOT EXISTS secret (id INTEGER PRIMARY KEY CHECK (id = 1), value TEXT NOT NULL);
"""


class Refused(Exception):
    """A report that is not stored; the message says why (shown to the sender), `status` is the
    HTTP status that answers it."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def path(data_dir: str | os.PathLike | None = None) -> Path:
    return config.data_dir(data_dir) / "reports.sqlite"


def connect(data_dir: str | os.PathLike | None = None) -> sqlite3.Connection:
    file = path(data_dir)
    file.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(file, timeout=10, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(SCHEMA)
    conn.execute("INSERT OR IGNORE INTO secret(id, value) VALUES (1, ?)", (secrets.token_hex(32),))
    return conn


def _secret(conn: sqlite3.Connection) -> bytes:
    return conn.execute("SELECT value FROM secret WHERE id = 1").fetchone()[0].encode()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def client_bucket(conn: sqlite3.Connection, address: str) -> str:
    """A keyed hash of the client's address, truncated, with a key that changes every day."""
    day = _now().strftime("%Y-%m-%d")
    return hmac.new(_secret(conn), f"{day}|{address}".encode(), hashlib.sha256).hexdigest()[:16]


def token(conn: sqlite3.Connection, address: str, fact: str, at: int | None = None) -> str:
    """The form's CSRF token: a time and a signature over it, the fact and the client's bucket,
    so a token made for one client is worthless from another site in another's browser."""
    at = int(time.time()) if at is None else at
    sig = hmac.new(_secret(conn), f"{at}|{fact}|{client_bucket(conn, address)}".encode(),
                   hashlib.sha256).hexdigest()[:32]
    return f"{at}.{sig}"


def _check_token(conn: sqlite3.Connection, address: str, fact: str, value: str) -> None:
    at, _, _sig = value.partition(".")
    if not at.isdigit() or not 0 <= time.time() - int(at) <= TOKEN_SECONDS:
        raise Refused(gettext("the form has expired or its security token is missing; open the form again"), 403)
    if not hmac.compare_digest(token(conn, address, fact, int(at)), value):
        raise Refused(gettext("the form's security token is not valid; open the form again"), 403)


def submit(conn: sqlite3.Connection, address: str, form: dict[str, str]) -> int:
    """Store one report after every check; raise Refused (nothing stored) otherwise."""
    fact = form.get("fact", "")
    if not FACT.fullmatch(fact):
        raise Refused(gettext("the report does not name a fact of this site"))
    _check_token(conn, address, fact, form.get("token", ""))
    what, source, contact = (form.get(k, "").strip() for k in ("what", "source", "contact"))
    if not what or not source:
        raise Refused(gettext("please say what is wrong and which source shows it"))
    for value, limit, name in ((what, MAX_WHAT, gettext("What is wrong")),
                               (source, MAX_SOURCE, gettext("source")),
                               (contact, MAX_CONTACT, gettext("contact"))):
        if len(value) > limit:
            raise Refused(gettext("'%(name)s' is longer than %(limit)s characters")
                          % {"name": name, "limit": limit})
    bucket, hour = client_bucket(conn, address), _now().strftime("%Y-%m-%dT%H")
    conn.execute("BEGIN IMMEDIATE")
    try:
        cutoff = (_now() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H")
        conn.execute("DELETE FROM rate WHERE hour < ?", (cutoff,))
        mine = conn.execute("SELECT coalesce(sum(n), 0) FROM rate WHERE bucket = ? AND hour = ?",
                            (bucket, hour)).fetchone()[0]
        today = conn.execute("SELECT count(*) FROM reports WHERE received_utc >= ?",
                             (_now().strftime("%Y-%m-%d"),)).fetchone()[0]
        if mine >= PER_CLIENT_PER_HOUR or today >= PER_DAY:
            raise Refused(gettext("too many reports from this connection; please try again in an hour"), 429)
        conn.execute("INSERT INTO rate(bucket, hour, n) VALUES (?, ?, 1) ON CONFLICT(bucket, hour)"
                     " DO UPDATE SET n = n + 1", (bucket, hour))
        cur = conn.execute(
            "INSERT INTO reports(received_utc, fact, what, source, contact) VALUES (?,?,?,?,?)",
            (_now().strftime("%Y-%m-%dT%H:%M:%SZ"), fact, what, source, contact or None))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return int(cur.lastrowid)


def list_reports(conn: sqlite3.Connection, status: str | None = None) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(
        "SELECT * FROM reports WHERE ? IS NULL OR status = ? ORDER BY report_id", (status, status))]


def get(conn: sqlite3.Connection, report_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM reports WHERE report_id = ?", (report_id,)).fetchone()
    return dict(row) if row else None


def decide(conn: sqlite3.Connection, report_id: int, status: str, reason: str) -> None:
    conn.execute("UPDATE reports SET status = ?, decided_utc = ?, decision = ? WHERE report_id = ?",
                 (status, _now().strftime("%Y-%m-%dT%H:%M:%SZ"), reason, report_id))
