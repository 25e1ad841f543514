-- The MOA family: ICE's 287(g) memoranda of agreement, one row per archived PDF (by sha256).

CREATE TABLE moas (
  moa_id             TEXT PRIMARY KEY,      -- 'moa-' + the first 12 hex digits of sha256
  sha256             TEXT NOT NULL UNIQUE REFERENCES raw_files(sha256),
  file_name          TEXT NOT NULL,         -- the name it was obtained under (used only to link)
  origin             TEXT NOT NULL,         -- URL or path it was read from
  pages              INTEGER NOT NULL,
  ocr_engine         TEXT,                  -- engine and version when any page was OCR'd
  model              TEXT,                  -- JEM | TFM | WSO, as the text says; NULL unknown
  agency             TEXT,                  -- the LEA named in the parties clause, as printed
  state_usps         TEXT,
  template_revision  TEXT,                  -- ISO date of the revision printed in the footer
  ice_signed_date    TEXT,                  -- the date typed beside ICE's signature
  lea_signed_date    TEXT,
  flags              TEXT NOT NULL DEFAULT '[]'  -- JSON: blank template, pages without text, ...
);
CREATE INDEX moas_state ON moas(state_usps, model);

-- Every extracted value with the page and text span it came from (page 0: not from the text).
CREATE TABLE moa_values (
  moa_id      TEXT NOT NULL REFERENCES moas(moa_id),
  field       TEXT NOT NULL,
  seq         INTEGER NOT NULL DEFAULT 0,
  value       TEXT,
  page        INTEGER NOT NULL,
  span_start  INTEGER NOT NULL,
  span_end    INTEGER NOT NULL,
  printed     TEXT NOT NULL,
  note        TEXT,                         -- ocr | inferred from ... | fallback: file name
  PRIMARY KEY (moa_id, field, seq)
);

-- Each page's text as read: the PDF's own layer, or OCR (with its mean word confidence).
CREATE TABLE moa_pages (
  moa_id      TEXT NOT NULL REFERENCES moas(moa_id),
  page        INTEGER NOT NULL,
  layer       TEXT NOT NULL,                -- text | sparse | garbled | none (the PDF's own)
  source      TEXT NOT NULL,                -- pdf | ocr | pdf+ocr | none
  confidence  REAL,
  text        TEXT NOT NULL,
  PRIMARY KEY (moa_id, page)
);

CREATE VIRTUAL TABLE moa_text USING fts5(
  text, content='moa_pages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER moa_pages_ai AFTER INSERT ON moa_pages BEGIN
  INSERT INTO moa_text(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER moa_pages_ad AFTER DELETE ON moa_pages BEGIN
  INSERT INTO moa_text(moa_text, rowid, text) VALUES ('delete', old.rowid, old.text);
END;

-- Derived: each MOA's agreement(s) in the registry, and how sure the link is.
CREATE TABLE moa_links (
  moa_id        TEXT NOT NULL REFERENCES moas(moa_id),
  agreement_id  TEXT,                       -- NULL: no agreement found
  method        TEXT NOT NULL,              -- list_link | agency_model_date | none
  confidence    TEXT NOT NULL,              -- high | medium | none
  reason        TEXT NOT NULL,
  review_reason TEXT                        -- mismatches a person should check
);
CREATE INDEX moa_links_moa ON moa_links(moa_id);
CREATE INDEX moa_links_agreement ON moa_links(agreement_id);

-- Derived: each MOA against the standard text of its template group.
CREATE TABLE moa_comparisons (
  moa_id         TEXT PRIMARY KEY REFERENCES moas(moa_id),
  template_group TEXT NOT NULL,             -- 'JEM rev 2025-02-12', 'WSO year 2020', ...
  compared_with  TEXT NOT NULL,
  score          REAL,                      -- changed characters / standard characters
  n_differences  INTEGER NOT NULL,
  note           TEXT
);
CREATE TABLE moa_differences (
  moa_id    TEXT NOT NULL REFERENCES moas(moa_id),
  seq       INTEGER NOT NULL,
  kind      TEXT NOT NULL,                  -- added | removed | changed
  section   TEXT NOT NULL,
  text      TEXT,
  standard  TEXT,
  page      INTEGER,
  PRIMARY KEY (moa_id, seq)
);
