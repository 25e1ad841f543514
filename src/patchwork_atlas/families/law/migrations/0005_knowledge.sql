-- 0005: the law-and-policy knowledge base, loaded from the reviewed YAML files in
-- patchwork_atlas/families/law/data. These tables are a copy: the files are the truth, and
-- knowledge.load_into() replaces the rows whenever the files change.

CREATE TABLE knowledge_entries (
  entry_id       TEXT PRIMARY KEY,
  grp            TEXT NOT NULL,        -- federal | models | state | local (which file family)
  level          TEXT NOT NULL,        -- federal | state | county | municipal
  state_fips     TEXT,
  county_fips    TEXT,
  place          TEXT,                 -- municipal entries: the place's own name
  kind           TEXT NOT NULL,
  title          TEXT NOT NULL,
  citation       TEXT,
  enacted        TEXT,                 -- ISO dates; NULL = not verified / not applicable
  effective      TEXT,
  ended          TEXT,
  decided        TEXT,
  published      TEXT,
  status         TEXT NOT NULL,
  summary_en     TEXT NOT NULL,
  summary_es     TEXT NOT NULL,
  last_reviewed  TEXT NOT NULL,
  verification   TEXT NOT NULL,        -- verified | unverified
  searched       TEXT,
  notes          TEXT,
  source_file    TEXT NOT NULL,        -- provenance: file relative to knowledge/data ...
  source_line    INTEGER NOT NULL,     -- ... and the entry's line in it
  position       INTEGER NOT NULL      -- order within the file
);
CREATE INDEX knowledge_entries_state ON knowledge_entries(state_fips, level);
CREATE INDEX knowledge_entries_county ON knowledge_entries(county_fips);

CREATE TABLE knowledge_effects (
  entry_id    TEXT NOT NULL REFERENCES knowledge_entries(entry_id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  tag         TEXT NOT NULL,
  pinpoint    TEXT NOT NULL,
  quote       TEXT NOT NULL,
  source_url  TEXT NOT NULL,
  PRIMARY KEY (entry_id, seq)
);
CREATE INDEX knowledge_effects_tag ON knowledge_effects(tag);

CREATE TABLE knowledge_sources (
  entry_id    TEXT NOT NULL REFERENCES knowledge_entries(entry_id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  url         TEXT NOT NULL,
  publisher   TEXT NOT NULL,
  title       TEXT,
  accessed    TEXT NOT NULL,
  is_primary  INTEGER NOT NULL,        -- 1 = enacted text, legislature, agency, court opinion
  PRIMARY KEY (entry_id, seq)
);

-- Every county a county or municipal entry covers (a city may span several: New York City).
CREATE TABLE knowledge_entry_counties (
  entry_id    TEXT NOT NULL REFERENCES knowledge_entries(entry_id) ON DELETE CASCADE,
  county_fips TEXT NOT NULL,
  is_primary  INTEGER NOT NULL,        -- 1 = the entry's county_fips
  PRIMARY KEY (entry_id, county_fips)
);
CREATE INDEX knowledge_entry_counties_fips ON knowledge_entry_counties(county_fips);

-- Which file contents the rows came from: loading is skipped when nothing changed.
CREATE TABLE knowledge_files (
  path    TEXT PRIMARY KEY,
  sha256  TEXT NOT NULL,
  entries INTEGER NOT NULL,
  problems INTEGER NOT NULL           -- entries skipped because they failed validation
);
