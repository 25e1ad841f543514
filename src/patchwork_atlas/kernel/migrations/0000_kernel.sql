-- 0000: the kernel's tables: the raw archive manifest (every ingested file, by content, and
-- where and when it was obtained), the fetch log, and key/value state.
-- IF NOT EXISTS: until the families got folders of their own these tables were created by
-- 0001_registry.sql, so on a database made then this migration is a no-op.

CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT
);

-- Every ingested raw file, by content. The bytes live in the archive (data dir) at archive_path.
CREATE TABLE IF NOT EXISTS raw_files (
  sha256              TEXT PRIMARY KEY,
  bytes               INTEGER NOT NULL,
  family              TEXT NOT NULL,     -- the family that read it
  kind                TEXT NOT NULL,     -- participating | pending | (family-specific)
  archive_path        TEXT NOT NULL,     -- relative to the data dir
  first_retrieved_utc TEXT NOT NULL
);

-- Where and when each file was obtained (one row per distinct origin).
CREATE TABLE IF NOT EXISTS file_sightings (
  sha256              TEXT NOT NULL REFERENCES raw_files(sha256),
  origin              TEXT NOT NULL,     -- URL, or the path it was read from
  file_name           TEXT NOT NULL,
  retrieved_utc       TEXT NOT NULL,
  etag                TEXT,
  last_modified       TEXT,
  published_name      TEXT,              -- from a shared manifest.csv, where one sits beside the file
  archive_capture_utc TEXT,
  archived_by         TEXT,
  PRIMARY KEY (sha256, origin)
);

-- Live checks of ICE's page (only network fetches; local reads are not checks).
CREATE TABLE IF NOT EXISTS source_checks (
  checked_utc TEXT NOT NULL,
  url         TEXT NOT NULL,
  outcome     TEXT NOT NULL,             -- new | unchanged | error
  detail      TEXT,
  PRIMARY KEY (checked_utc, url)
);

