-- 0003: ICE detention publications (annual statistics workbooks, facility lists), every facility
-- row as printed and parsed, and the derived facilities with their place and yearly figures.
-- Conventions as in 0001: *_raw = cell as stored in the file; flags = JSON array of short codes.

-- One row per ingested detention file (the facility sheet or table that was read).
CREATE TABLE detention_files (
  sha256        TEXT PRIMARY KEY REFERENCES raw_files(sha256),
  kind          TEXT NOT NULL,     -- stats_workbook | over72_list | facility_list
  sheet         TEXT NOT NULL,     -- the sheet (or 'pages N-M' of a PDF) the rows come from
  header_row    INTEGER,           -- 1-based row of the header that was found
  fiscal_year   INTEGER,           -- stats workbooks: the FY the figures are for
  data_date     TEXT,              -- the date ICE printed for the data pull (IIDS run date)
  name_date     TEXT,              -- the date in the file name, when it has one
  title         TEXT,              -- the sheet title as printed
  columns       TEXT NOT NULL,     -- JSON: headers as printed, in order
  n_rows        INTEGER NOT NULL,  -- facility rows stored
  adp_total     REAL,              -- sum of stored facility ADP (stats workbooks)
  adp_printed   REAL,              -- sum of the Level A-D cells as printed (parsed independently)
  notes         TEXT NOT NULL DEFAULT '[]'
);

-- Every facility row of every detention file.
CREATE TABLE detention_rows (
  sha256            TEXT NOT NULL REFERENCES raw_files(sha256),
  sheet             TEXT NOT NULL,
  row_number        INTEGER NOT NULL,  -- 1-based as Excel numbers rows; PDF: row within the page's table
  kind              TEXT NOT NULL,
  fiscal_year       INTEGER,
  detloc            TEXT,              -- ICE facility code, where the file gives one
  name_raw          TEXT,
  address_raw       TEXT,
  city_raw          TEXT,
  county_raw        TEXT,
  state_raw         TEXT,
  zip_raw           TEXT,
  aor_raw           TEXT,
  type_raw          TEXT,              -- 'Type' (2009 'TYPE 1', 2015/2017 'Type')
  type_detailed_raw TEXT,              -- 'Type Detailed' / 'Facility Type - Detailed'
  gender_raw        TEXT,
  operator_raw      TEXT,
  owner_raw         TEXT,
  cells             TEXT NOT NULL,     -- JSON object: header -> cell as stored, every column
  name              TEXT,              -- cleaned (footnote marker removed)
  state_usps        TEXT,
  zip5              TEXT,
  type_code         TEXT,              -- ICE's detailed type code (IGSA, DIGSA, USMS IGA, ...)
  alos              REAL,
  adp_level_a       REAL,
  adp_level_b       REAL,
  adp_level_c       REAL,
  adp_level_d       REAL,
  adp_total         REAL,              -- Level A+B+C+D (stats); the list's own ADP column otherwise
  adp_male_crim     REAL,
  adp_male_noncrim  REAL,
  adp_female_crim   REAL,
  adp_female_noncrim REAL,
  adp_threat_1      REAL,
  adp_threat_2      REAL,
  adp_threat_3      REAL,
  adp_no_threat     REAL,
  adp_mandatory     REAL,
  guaranteed_minimum REAL,
  adp_by_year       TEXT,              -- facility lists: JSON {"2015": adp, ...} from their FYxx ADP columns
  facility_id       TEXT,              -- set by derive
  flags             TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (sha256, sheet, row_number)
);
CREATE INDEX detention_rows_facility ON detention_rows(facility_id);

-- Notes printed in the files: type definitions (Footnotes sheet, list legends) and row footnotes.
CREATE TABLE detention_notes (
  sha256      TEXT NOT NULL REFERENCES raw_files(sha256),
  sheet       TEXT NOT NULL,
  row_number  INTEGER NOT NULL,
  term        TEXT,                    -- e.g. 'IGSA' for a type definition; NULL for a plain note
  text        TEXT NOT NULL,
  detloc      TEXT,                    -- a facility code the note names, e.g. '(BCORCPA)'
  PRIMARY KEY (sha256, sheet, row_number)
);

-- Derived: one facility across years and lists.
CREATE TABLE facilities (
  facility_id      TEXT PRIMARY KEY,   -- 'fac-' + DETLOC (lowercase) or 'fac-' + hash(state, name key)
  detloc           TEXT,
  name             TEXT NOT NULL,      -- as printed in the latest row
  address          TEXT,
  city             TEXT,
  state_usps       TEXT,
  zip5             TEXT,
  type_code        TEXT,               -- latest detailed type printed
  local_agreement  TEXT NOT NULL,      -- yes | no | unknown: ICE holds people here through an agreement with a state or local government
  operator         TEXT,               -- 2015/2017 lists' Facility Operator (latest), where known
  owner            TEXT,
  state_fips       TEXT,
  county_fips      TEXT,
  place_method     TEXT,               -- zip | zip+city | zip+listing_county | city | none
  county_check     TEXT,               -- agrees | disagrees | NULL (no 2015/2009/2017 county cell)
  county_listed    TEXT,               -- the county a list printed for it (after corrections)
  place_review     TEXT,               -- why the county is uncertain; NULL when ZIP, city and lists agree
  first_fy         INTEGER,
  last_fy          INTEGER,
  n_rows           INTEGER NOT NULL,
  names            TEXT NOT NULL,      -- JSON array of distinct names printed
  review_reason    TEXT                -- why a person should look (uncertain merge or place); NULL when sure
);
CREATE INDEX facilities_county ON facilities(county_fips);
CREATE INDEX facilities_state ON facilities(state_usps);

-- Derived: figures per facility, fiscal year and release.
CREATE TABLE facility_figures (
  facility_id   TEXT NOT NULL,
  fiscal_year   INTEGER NOT NULL,
  sha256        TEXT NOT NULL,
  sheet         TEXT NOT NULL,
  row_number    INTEGER NOT NULL,
  source_kind   TEXT NOT NULL,         -- stats_workbook | facility_list
  data_date     TEXT,                  -- the date of the data pull printed in the file
  is_latest     INTEGER NOT NULL,      -- 1 for the most recent release of this facility-year
  adp_total     REAL,
  adp_level_a   REAL,
  adp_level_b   REAL,
  adp_level_c   REAL,
  adp_level_d   REAL,
  adp_male_crim REAL,
  adp_male_noncrim REAL,
  adp_female_crim REAL,
  adp_female_noncrim REAL,
  adp_threat_1  REAL,
  adp_threat_2  REAL,
  adp_threat_3  REAL,
  adp_no_threat REAL,
  adp_mandatory REAL,
  alos          REAL,
  type_code     TEXT,
  flags         TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (facility_id, fiscal_year, sha256, sheet, row_number)
);
CREATE INDEX facility_figures_year ON facility_figures(fiscal_year, is_latest);
