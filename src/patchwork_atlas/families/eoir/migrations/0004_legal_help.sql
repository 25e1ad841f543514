-- 0004: EOIR legal-service rosters (Recognized Organizations; List of Pro Bono Legal Service
-- Providers), every record as printed beside its cleaned reading, and the derived directory of
-- organizations and offices placed by ZIP. No personal names of representatives are stored:
-- e-mail mailboxes that look like a person's are withheld (see parse/eoir.py).

-- One row per ingested roster file.
CREATE TABLE legal_rosters (
  sha256       TEXT PRIMARY KEY REFERENCES raw_files(sha256),
  roster       TEXT NOT NULL,          -- recognized | pro_bono
  as_of_date   TEXT,                   -- the roster's date (ISO), NULL when unknown
  date_rule    TEXT NOT NULL,          -- manifest_collected | file_name | unknown
  n_records    INTEGER NOT NULL,
  parsed_by    TEXT,                   -- the public project that turned the PDF into JSON
  at_commit    TEXT,
  file_name    TEXT NOT NULL
);

-- Every record of every roster file: raw fields (JSON, as printed) and the cleaned reading.
CREATE TABLE legal_roster_rows (
  sha256          TEXT NOT NULL REFERENCES legal_rosters(sha256),
  record_index    INTEGER NOT NULL,    -- 0-based position in the file's JSON array
  roster          TEXT NOT NULL,
  raw             TEXT NOT NULL,       -- JSON object of the record as printed (personal mailboxes withheld)
  entry_kind      TEXT NOT NULL,       -- organization | office_label | continuation
  name            TEXT,                -- cleaned organization name (NULL when the row has none)
  office_label    TEXT,                -- e.g. 'Houston Office' (printed label, not shown as fact)
  parent_index    INTEGER,             -- record this row belongs to (office labels, continuations)
  parent_rule     TEXT,                -- how parent_index was chosen
  street          TEXT,
  city            TEXT,
  state_usps      TEXT,                -- of the office address (not the court's)
  zip5            TEXT,
  phone           TEXT,
  email           TEXT,
  website         TEXT,
  languages       TEXT,                -- JSON list of ISO 639 codes read from the languages cell
  languages_text  TEXT,
  case_types      TEXT,
  intake          TEXT,
  notes           TEXT,                -- text moved out of address/name cells (hours, hotlines)
  court           TEXT,                -- pro bono: the immigration court it is listed under
  court_state     TEXT,                -- pro bono: the court's state (NOT the office's)
  page_number     INTEGER,
  is_referral     INTEGER NOT NULL DEFAULT 0,
  recognized_date TEXT,                -- recognized roster: ISO dates
  expiration_date TEXT,
  pending_renewal INTEGER,
  status          TEXT,
  flags           TEXT NOT NULL DEFAULT '[]',
  review_reason   TEXT,
  PRIMARY KEY (sha256, record_index)
);
CREATE INDEX legal_roster_rows_roster ON legal_roster_rows(roster);

-- Derived: organizations across both rosters.
CREATE TABLE legal_orgs (
  org_id         TEXT PRIMARY KEY,     -- 'lo-' + hash(name key)
  name           TEXT NOT NULL,
  name_key       TEXT NOT NULL UNIQUE,
  in_recognized  INTEGER NOT NULL DEFAULT 0,
  in_pro_bono    INTEGER NOT NULL DEFAULT 0,
  is_referral    INTEGER NOT NULL DEFAULT 0,
  is_national    INTEGER NOT NULL DEFAULT 0, -- referral service listed under courts in 2+ states
  court_states   TEXT NOT NULL DEFAULT '[]',
  match_rule     TEXT,                 -- how the two rosters' names were joined
  review_reason  TEXT
);

-- Derived: one row per physical office (an org at one address), placed by its own ZIP.
CREATE TABLE legal_offices (
  office_id      TEXT PRIMARY KEY,     -- 'lof-' + hash(org, zip, house number)
  org_id         TEXT NOT NULL REFERENCES legal_orgs(org_id),
  name           TEXT NOT NULL,
  street         TEXT,
  city           TEXT,
  state_usps     TEXT,
  zip5           TEXT,
  phone          TEXT,
  email          TEXT,
  website        TEXT,
  languages      TEXT NOT NULL DEFAULT '[]',
  languages_text TEXT,
  case_types     TEXT,
  intake         TEXT,
  notes          TEXT,
  courts         TEXT NOT NULL DEFAULT '[]', -- pro bono courts it is listed under
  rosters        TEXT NOT NULL DEFAULT '[]', -- JSON: [{roster, as_of_date, sha256, record_index}]
  in_recognized  INTEGER NOT NULL DEFAULT 0,
  in_pro_bono    INTEGER NOT NULL DEFAULT 0,
  is_referral    INTEGER NOT NULL DEFAULT 0,
  county_fips    TEXT,                 -- NULL when the ZIP cannot be placed
  county_name    TEXT,
  state_fips     TEXT,
  lat            REAL,                 -- ZIP centroid (approximate; never the door)
  lon            REAL,
  placement      TEXT NOT NULL,        -- zip | unplaced
  placement_flags TEXT NOT NULL DEFAULT '[]',
  review_reason  TEXT                  -- placement doubts; NULL = placed without review
);
CREATE INDEX legal_offices_state ON legal_offices(state_usps);
CREATE INDEX legal_offices_county ON legal_offices(county_fips);
CREATE INDEX legal_offices_org ON legal_offices(org_id);
