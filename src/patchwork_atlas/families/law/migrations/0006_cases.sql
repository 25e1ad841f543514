-- 0006: knowledge base, issue 13: verification levels, state freshness records, the litigation
-- tracker (data/cases.yaml) and federal lists of "sanctuary jurisdictions"
-- (data/designations.yaml). Like 0005, these tables are a copy of the YAML files, replaced by
-- knowledge.load_into() whenever the files change.

-- primary | secondary | unverified. The 0005 column `verification` is kept, derived, as
-- 'verified' (primary or secondary) or 'unverified', for code that still reads it; `verified`
-- is the same as 0/1.
ALTER TABLE knowledge_entries ADD COLUMN verification_level TEXT;
ALTER TABLE knowledge_entries ADD COLUMN verified INTEGER;
-- federal entries: the states a ruling or action concerns, as space-separated postal codes
ALTER TABLE knowledge_entries ADD COLUMN concerns_states TEXT;

-- Each state file's freshness: the date through which it was searched, and what was searched.
CREATE TABLE knowledge_state_freshness (
  state_fips      TEXT PRIMARY KEY,
  usps            TEXT NOT NULL,
  checked_through TEXT,                -- ISO date; NULL = never recorded
  searched        TEXT NOT NULL,       -- JSON list of {source, queries, accessed, result}
  source_file     TEXT NOT NULL
);

CREATE TABLE knowledge_cases (
  case_id           TEXT PRIMARY KEY,
  caption           TEXT NOT NULL,
  court             TEXT NOT NULL,
  docket            TEXT,
  filed             TEXT,              -- ISO date; NULL = not confirmed
  status            TEXT NOT NULL,     -- pending | preliminary_injunction | dismissed | decided | appealed
  status_date       TEXT NOT NULL,     -- date of the last action recorded
  status_source_url TEXT NOT NULL,
  summary_en        TEXT NOT NULL,
  summary_es        TEXT NOT NULL,
  policies          TEXT NOT NULL,     -- JSON list: laws/policies at issue not in the knowledge base
  last_reviewed     TEXT NOT NULL,
  verification      TEXT NOT NULL,     -- primary | secondary | unverified
  notes             TEXT,
  source_file       TEXT NOT NULL,
  source_line       INTEGER NOT NULL,
  position          INTEGER NOT NULL
);
CREATE INDEX knowledge_cases_status ON knowledge_cases(status, status_date);

CREATE TABLE knowledge_case_parties (
  case_id TEXT NOT NULL REFERENCES knowledge_cases(case_id) ON DELETE CASCADE,
  seq     INTEGER NOT NULL,
  name    TEXT NOT NULL,
  role    TEXT NOT NULL,               -- plaintiff | defendant | intervenor | appellant | ...
  kind    TEXT,                        -- united_states | state | county | city | official | person | group
  PRIMARY KEY (case_id, seq)
);

-- The knowledge entries a case is about (e.g. the law an injunction limits).
CREATE TABLE knowledge_case_entries (
  case_id  TEXT NOT NULL REFERENCES knowledge_cases(case_id) ON DELETE CASCADE,
  entry_id TEXT NOT NULL,
  PRIMARY KEY (case_id, entry_id)
);
CREATE INDEX knowledge_case_entries_entry ON knowledge_case_entries(entry_id);

-- States, counties and places a case concerns (one row each).
CREATE TABLE knowledge_case_places (
  case_id     TEXT NOT NULL REFERENCES knowledge_cases(case_id) ON DELETE CASCADE,
  state_fips  TEXT,
  usps        TEXT,
  county_fips TEXT,
  place       TEXT
);
CREATE INDEX knowledge_case_places_state ON knowledge_case_places(state_fips);
CREATE INDEX knowledge_case_places_county ON knowledge_case_places(county_fips);

CREATE TABLE knowledge_case_sources (
  case_id    TEXT NOT NULL REFERENCES knowledge_cases(case_id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,
  url        TEXT NOT NULL,
  publisher  TEXT NOT NULL,
  title      TEXT,
  accessed   TEXT NOT NULL,
  is_primary INTEGER NOT NULL,
  PRIMARY KEY (case_id, seq)
);

-- Federal "sanctuary jurisdiction" lists: one row per listed jurisdiction, with the dates it
-- was listed and removed. knowledge.designations.designation() reads it.
CREATE TABLE knowledge_designations (
  list_id         TEXT NOT NULL,
  entry_id        TEXT NOT NULL,       -- the list's entry in federal.yaml
  list_title      TEXT NOT NULL,
  published       TEXT NOT NULL,
  seq             INTEGER NOT NULL,
  name            TEXT NOT NULL,
  level           TEXT NOT NULL,       -- state | county | municipal
  state_fips      TEXT NOT NULL,
  county_fips     TEXT,
  place           TEXT,
  listed          TEXT NOT NULL,
  removed         TEXT,                -- NULL = still listed (as far as the sources read show)
  sources         TEXT NOT NULL,       -- space-separated URLs
  removed_sources TEXT NOT NULL,
  verification    TEXT,
  notes           TEXT,
  PRIMARY KEY (list_id, seq)
);
CREATE INDEX knowledge_designations_state ON knowledge_designations(state_fips, level);
