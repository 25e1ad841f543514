-- 0015: county reports derived at ingest (read/precomputed.py), so a profile is one indexed
-- read and a byte splice, not ~20 queries and 130 KB of JSON encoded per request.
-- Each family's section of each county's report, per language, is stored as JSON whose parts
-- that several counties show (the federal law, a state's entries, a legal-help office's
-- listing) are references to nodes stored once. A family's sections and nodes are rebuilt
-- together when that family (or one it derives from) changed, and all of them when the
-- calendar day changed (recognition dates and laws in force depend on the day).
-- Nodes (up to ~20 KB compressed) in a rowid table, which packs large rows well; sections
-- (a few hundred bytes compressed) clustered on their key.
CREATE TABLE report_nodes (
  hash   TEXT NOT NULL UNIQUE,           -- blake2b of family and body: never shared by families
  family TEXT NOT NULL,
  body   BLOB NOT NULL                   -- zlib of the JSON
);

CREATE TABLE report_sections (
  place  TEXT NOT NULL,                  -- 'county:06037'
  lang   TEXT NOT NULL,
  family TEXT NOT NULL,
  body   BLOB NOT NULL,                  -- zlib (with the family's dictionary) of the family's
                                         -- keys, JSON without the outer braces
  PRIMARY KEY (place, lang, family)
) WITHOUT ROWID;

CREATE TABLE report_builds (
  family   TEXT PRIMARY KEY,
  built_on TEXT NOT NULL,                -- the date the sections were computed for
  places   INTEGER NOT NULL,
  zdict    BLOB NOT NULL                 -- zlib preset dictionary: a sample of the sections
);
