-- 0001: ICE 287(g) publications, their rows, and the derived registry.
-- Conventions: dates are ISO 'YYYY-MM-DD' text; times are UTC 'YYYY-MM-DDTHH:MM:SSZ';
-- *_raw columns hold a cell exactly as printed; flags are JSON arrays of short codes.

-- One row per distinct list content. Files whose rows are equal after normalization are
-- one publication seen several times (publication_files).
CREATE TABLE publications (
  publication_id   TEXT PRIMARY KEY,     -- '<list>-<content hash 12>'
  list             TEXT NOT NULL,        -- participating | pending
  content_hash     TEXT NOT NULL,
  published_date   TEXT,                 -- best estimate of the day ICE published it
  date_rule        TEXT NOT NULL,        -- file_name | file_name_year_fixed | latest_signed_date | archive_capture | paired_list | unknown
  date_note        TEXT,
  sort_key         TEXT NOT NULL,        -- orders publications of a list in time
  seq              INTEGER,              -- 1.. within its list, by sort_key (recomputed)
  era              TEXT NOT NULL,        -- ice-xlsx | ice-xlsx-archived | ice-html-table
  canonical_sha256 TEXT NOT NULL REFERENCES raw_files(sha256),
  columns          TEXT NOT NULL,        -- JSON: headers as printed, in order
  n_data_rows      INTEGER NOT NULL,     -- data rows in the canonical sheet
  n_rows_stored    INTEGER NOT NULL,
  suspect          INTEGER NOT NULL DEFAULT 0,
  suspect_reason   TEXT,
  UNIQUE (list, content_hash)
);

CREATE TABLE publication_files (
  publication_id TEXT NOT NULL REFERENCES publications(publication_id),
  sha256         TEXT NOT NULL REFERENCES raw_files(sha256),
  sheet          TEXT NOT NULL,
  name_date      TEXT,                   -- the date ICE's file name claims, if it parses
  name_date_note TEXT,
  file_date      TEXT,                   -- this sighting's own date, by the dating rules
  file_date_rule TEXT,
  n_data_rows    INTEGER NOT NULL,
  PRIMARY KEY (publication_id, sha256)
);

-- Every data row of every 287(g) file, as printed and as normalized.
CREATE TABLE sheet_rows (
  sha256           TEXT NOT NULL REFERENCES raw_files(sha256),
  sheet            TEXT NOT NULL,
  row_number       INTEGER NOT NULL,     -- 1-based, as Excel numbers rows
  state_raw        TEXT,
  agency_raw       TEXT,
  type_raw         TEXT,
  county_raw       TEXT,
  support_type_raw TEXT,
  signed_raw       TEXT,
  moa_raw          TEXT,
  moa_target       TEXT,                 -- hyperlink target as stored in the file
  addendum_raw     TEXT,
  addendum_target  TEXT,
  extra            TEXT,                 -- JSON object of columns we do not know, header -> value
  state_usps       TEXT,                 -- normalized (NULL when unknown)
  agency_id        TEXT,
  model            TEXT,                 -- JEM | WSO | TFM | other text as printed
  signed_date      TEXT,                 -- normalized, after the correction table
  moa_url          TEXT,                 -- cleaned: web-archive and mail-safety wrappers removed
  addendum_url     TEXT,
  flags            TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (sha256, sheet, row_number)
);
CREATE INDEX sheet_rows_agency ON sheet_rows(agency_id);

CREATE TABLE agencies (
  agency_id       TEXT PRIMARY KEY,      -- 'ag-' + hash(state, normalized name)
  state_usps      TEXT NOT NULL,
  state_fips      TEXT NOT NULL,
  name            TEXT NOT NULL,         -- as printed in the latest publication that lists it
  name_key        TEXT NOT NULL,         -- the normalized key the id is built from
  agency_type     TEXT,                  -- ICE's TYPE cell (latest printed), e.g. County, Municipality
  county_cell     TEXT,                  -- ICE's COUNTY cell (latest printed)
  first_seen_date TEXT,
  last_seen_date  TEXT,
  UNIQUE (state_usps, name_key)
);

CREATE TABLE agency_names (
  agency_id TEXT NOT NULL REFERENCES agencies(agency_id),
  name_raw  TEXT NOT NULL,
  n_rows    INTEGER NOT NULL,
  PRIMARY KEY (agency_id, name_raw)
);

CREATE TABLE agreements (
  agreement_id          TEXT PRIMARY KEY, -- 'agr-' + hash(agency_id, model, first signed date)
  agency_id             TEXT NOT NULL REFERENCES agencies(agency_id),
  state_usps            TEXT NOT NULL,
  model                 TEXT NOT NULL,
  signed_date           TEXT,            -- latest signing date printed for it
  signed_date_first     TEXT,            -- the one it was first listed with
  status                TEXT NOT NULL,   -- active | removed | superseded
  superseded_by         TEXT,
  first_publication_id  TEXT NOT NULL,
  last_publication_id   TEXT NOT NULL,
  first_seen_date       TEXT,
  last_seen_date        TEXT,
  removed_date          TEXT,            -- date of the first publication without it
  n_publications        INTEGER NOT NULL,
  moa_url               TEXT,
  addendum_url          TEXT,
  review_reason         TEXT
);
CREATE INDEX agreements_agency ON agreements(agency_id);
CREATE INDEX agreements_state ON agreements(state_usps, status);

CREATE TABLE applications (
  application_id        TEXT PRIMARY KEY, -- 'app-' + hash(agency_id, model, first publication)
  agency_id             TEXT NOT NULL REFERENCES agencies(agency_id),
  state_usps            TEXT NOT NULL,
  model                 TEXT NOT NULL,
  status                TEXT NOT NULL,   -- pending | approved | withdrawn
  first_publication_id  TEXT NOT NULL,
  last_publication_id   TEXT NOT NULL,
  first_seen_date       TEXT,
  last_seen_date        TEXT,
  ended_date            TEXT,            -- first pending list without it
  agreement_id          TEXT,            -- the agreement it became, when approved
  approved_date         TEXT             -- date of the participating list where it appeared
);
CREATE INDEX applications_agency ON applications(agency_id);

-- What changed, per publication. A pure function of the ordered publications.
CREATE TABLE events (
  event_id        TEXT PRIMARY KEY,
  publication_id  TEXT NOT NULL REFERENCES publications(publication_id),
  event_date      TEXT,
  list            TEXT NOT NULL,
  kind            TEXT NOT NULL,  -- agreement_listed | agreement_relisted | agreement_removed | agreement_superseded | signing_date_corrected | moa_posted | application_listed | application_withdrawn | application_approved
  state_usps      TEXT,
  agency_id       TEXT,
  agreement_id    TEXT,
  application_id  TEXT,
  model           TEXT,
  detail          TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_date ON events(event_date);
CREATE INDEX events_state ON events(state_usps, event_date);
CREATE INDEX events_agency ON events(agency_id);

-- When an agreement was on a given list: one row per (agreement, publication) it appears in.
CREATE TABLE agreement_sightings (
  agreement_id   TEXT NOT NULL,
  publication_id TEXT NOT NULL,
  signed_date    TEXT,
  PRIMARY KEY (agreement_id, publication_id)
);
CREATE INDEX agreement_sightings_pub ON agreement_sightings(publication_id);
