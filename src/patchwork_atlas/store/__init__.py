"""SQLite storage: one file, migrations tracked in the database, WAL for concurrent readers."""

from patchwork_atlas.store.db import connect, connect_readonly, migrate, table_hashes, transaction

__all__ = ["connect", "connect_readonly", "migrate", "table_hashes", "transaction"]
