-- 0007: deaths in ICE custody. ICE's Detainee Death Reports (one PDF per death, FY2018 on) and
-- ICE's FOIA list of deaths FY2003-FY2017, every extracted value with its page and text span,
-- and the derived link of each death to a detention facility (and so to a county and state).

-- One row per ingested deaths file.
CREATE TABLE death_files (
  sha256         TEXT PRIMARY KEY REFERENCES raw_files(sha256),
  kind           TEXT NOT NULL,      -- ddr | foia_list
  published_url  TEXT,               -- ICE's URL for the file (manifest.csv published_url), when known
  scope_from     TEXT,               -- foia_list: the 'Data from:' date its heading prints
  scope_to       TEXT,               -- foia_list: the 'to' date its heading prints
  n_deaths       INTEGER NOT NULL
);

-- One row per death: a report, or a row of the FOIA list. Values as extracted (NULL = not stated).
CREATE TABLE deaths (
  death_id          TEXT PRIMARY KEY,  -- 'dth-' + hash(file sha256, row number or 0)
  sha256            TEXT NOT NULL REFERENCES death_files(sha256),
  kind              TEXT NOT NULL,     -- ddr | foia_list
  row_number        INTEGER,           -- foia_list: the row number printed in its first column
  name              TEXT,              -- as printed inside ICE's document (never from a file name)
  date_of_death     TEXT,              -- ISO date
  death_date_label  TEXT,              -- ddr: 'Date of Death', 'Date of Neurologic Death', 'Date'
  fiscal_year       INTEGER,           -- federal fiscal year of the date of death (Oct-Sep)
  age               INTEGER,
  sex               TEXT,              -- ddr 'Sex:' line; foia_list 'M'/'F' as printed
  gender            TEXT,              -- ddr 'Gender:' line, else its 'Sex:' line
  citizenship       TEXT,              -- ddr: country of citizenship
  country_of_birth  TEXT,              -- foia_list: country of birth
  facility_printed  TEXT,              -- ddr: detention facility named; foia_list: location of last detention
  facility_abbreviation TEXT,          -- ddr: ICE's own short form, e.g. 'SDC'
  facility_city     TEXT,
  facility_state    TEXT,              -- USPS code, where the document states it
  place_of_death    TEXT,              -- ddr: the hospital named; foia_list: location of death as printed
  field_office      TEXT,              -- ddr: the ERO field office named last before the death
  facility_type_printed TEXT,          -- foia_list: the facility type cell as printed
  review_reasons    TEXT NOT NULL DEFAULT '[]'  -- JSON array: what a person should check
);
CREATE INDEX deaths_file ON deaths(sha256);

-- Every extracted value with the page and span of the page text (pdfium) it was read from.
CREATE TABLE death_values (
  death_id  TEXT NOT NULL REFERENCES deaths(death_id),
  field     TEXT NOT NULL,     -- name, date_of_death, age, ..., custody_event_date, custody_event_text
  seq       INTEGER NOT NULL DEFAULT 0,  -- order among repeated fields (custody events)
  value     TEXT,              -- the value as stored (ISO date, number, cleaned text)
  page      INTEGER NOT NULL,  -- 1-based
  span_start INTEGER NOT NULL,
  span_end  INTEGER NOT NULL,
  text      TEXT NOT NULL,     -- the exact characters at that span
  PRIMARY KEY (death_id, field, seq)
);

-- Derived: each death linked to a detention facility, or left unlinked with the reason.
CREATE TABLE death_links (
  death_id       TEXT PRIMARY KEY REFERENCES deaths(death_id),
  facility_id    TEXT,         -- facilities.facility_id; NULL when no facility is certain
  link_method    TEXT NOT NULL,  -- correction | name_state | name | none
  county_fips    TEXT,         -- the linked facility's county
  state_usps     TEXT,         -- the linked facility's state, else the state the document prints
  review_reason  TEXT          -- why a person should check the link; NULL when sure
);
CREATE INDEX death_links_facility ON death_links(facility_id);
CREATE INDEX death_links_county ON death_links(county_fips);
CREATE INDEX death_links_state ON death_links(state_usps);
