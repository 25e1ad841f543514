-- 0010: compact storage of the 287(g) rows. Most rows repeat unchanged from one list to the
-- next (315,749 rows in the 1,117 files of the shared history; about 5,000 distinct), so each
-- distinct row is stored once, content-addressed (row_contents), and each file keeps its
-- ordered list of references (list_rows: file, sheet, Excel row number -> content). The view
-- sheet_rows gives back exactly the columns and rows of the table it replaces, so readers and
-- `patchwork verify` (cell by cell against the archive) are unchanged.
--
-- Web-archive copies of ICE's page print each MOA link behind the capture's prefix
-- ('https://web.archive.org/web/<stamp>/'), one stamp per file: the prefix is kept once per
-- file (row_lists.link_prefix) and the row stores the rest of the cell with moa_prefixed = 1,
-- else the rows of every capture would differ. moa_raw as printed = link_prefix || moa_raw.
--
-- content_hash = kernel.store.content_hash(the content columns below, in order): sha256 of their
-- values as a JSON array, registered as an SQL function on every connection, so ingest
-- (families/ice287g/rowstore.py), this migration and `patchwork verify` hash alike.

CREATE TABLE row_lists (
  list_id     INTEGER PRIMARY KEY,
  sha256      TEXT NOT NULL UNIQUE REFERENCES raw_files(sha256),
  sheet       TEXT NOT NULL,
  link_prefix TEXT                    -- web-archive prefix of the file's MOA links, if any
);

CREATE TABLE row_contents (
  content_id       INTEGER PRIMARY KEY,
  content_hash     TEXT NOT NULL UNIQUE,
  state_raw        TEXT,
  agency_raw       TEXT,
  type_raw         TEXT,
  county_raw       TEXT,
  support_type_raw TEXT,
  signed_raw       TEXT,
  moa_raw          TEXT,              -- without the file's link_prefix when moa_prefixed = 1
  moa_prefixed     INTEGER NOT NULL DEFAULT 0,
  moa_target       TEXT,
  addendum_raw     TEXT,
  addendum_target  TEXT,
  extra            TEXT,
  state_usps       TEXT,
  agency_id        TEXT,
  model            TEXT,
  signed_date      TEXT,
  moa_url          TEXT,
  addendum_url     TEXT,
  flags            TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX row_contents_agency ON row_contents(agency_id);

CREATE TABLE list_rows (
  list_id    INTEGER NOT NULL REFERENCES row_lists(list_id),
  row_number INTEGER NOT NULL,         -- 1-based, as Excel numbers rows
  content_id INTEGER NOT NULL REFERENCES row_contents(content_id),
  PRIMARY KEY (list_id, row_number)
) WITHOUT ROWID;
CREATE INDEX list_rows_content ON list_rows(content_id, list_id);

-- Upgrade in place: move the rows of an existing database.
INSERT INTO row_lists(sha256, sheet, link_prefix)
SELECT f.sha256, f.sheet,
       (SELECT substr(w.moa_raw, 1, 28 + instr(substr(w.moa_raw, 29), '/')) FROM sheet_rows w
         WHERE w.sha256 = f.sha256 AND w.sheet = f.sheet
           AND w.moa_raw GLOB 'https://web.archive.org/web/*/*' ORDER BY w.row_number LIMIT 1)
FROM (SELECT sha256, sheet FROM publication_files UNION SELECT sha256, sheet FROM sheet_rows) f
ORDER BY f.sha256;

CREATE TEMP TABLE staged_rows AS
SELECT content_hash(state_raw, agency_raw, type_raw, county_raw, support_type_raw, signed_raw,
                    moa_raw, moa_prefixed, moa_target, addendum_raw, addendum_target, extra,
                    state_usps, agency_id, model, signed_date, moa_url, addendum_url, flags)
         AS content_hash, *
FROM (SELECT list_id, row_number, state_raw, agency_raw, type_raw, county_raw, support_type_raw,
             signed_raw,
             CASE WHEN prefixed THEN substr(moa_raw, length(link_prefix) + 1) ELSE moa_raw END
               AS moa_raw,
             prefixed AS moa_prefixed, moa_target, addendum_raw, addendum_target, extra,
             state_usps, agency_id, model, signed_date, moa_url, addendum_url, flags
      FROM (SELECT r.*, l.list_id, l.link_prefix,
                   coalesce(l.link_prefix IS NOT NULL
                            AND substr(r.moa_raw, 1, length(l.link_prefix)) = l.link_prefix, 0)
                     AS prefixed
            FROM sheet_rows r JOIN row_lists l ON l.sha256 = r.sha256 AND l.sheet = r.sheet));

INSERT INTO row_contents(content_hash, state_raw, agency_raw, type_raw, county_raw,
  support_type_raw, signed_raw, moa_raw, moa_prefixed, moa_target, addendum_raw, addendum_target,
  extra, state_usps, agency_id, model, signed_date, moa_url, addendum_url, flags)
SELECT content_hash, state_raw, agency_raw, type_raw, county_raw, support_type_raw, signed_raw,
       moa_raw, moa_prefixed, moa_target, addendum_raw, addendum_target, extra, state_usps,
       agency_id, model, signed_date, moa_url, addendum_url, flags
FROM staged_rows GROUP BY content_hash ORDER BY min(list_id * 100000000 + row_number);

INSERT INTO list_rows(list_id, row_number, content_id)
SELECT s.list_id, s.row_number, c.content_id
FROM staged_rows s JOIN row_contents c ON c.content_hash = s.content_hash;

DROP TABLE staged_rows;
DROP TABLE sheet_rows;

-- Every data row of every 287(g) file, as printed and as normalized (the table of 0001).
CREATE VIEW sheet_rows AS
SELECT l.sha256, l.sheet, r.row_number, c.state_raw, c.agency_raw, c.type_raw, c.county_raw,
       c.support_type_raw, c.signed_raw,
       CASE WHEN c.moa_prefixed THEN l.link_prefix || c.moa_raw ELSE c.moa_raw END AS moa_raw,
       c.moa_target, c.addendum_raw, c.addendum_target, c.extra, c.state_usps, c.agency_id,
       c.model, c.signed_date, c.moa_url, c.addendum_url, c.flags
FROM list_rows r JOIN row_lists l ON l.list_id = r.list_id
JOIN row_contents c ON c.content_id = r.content_id;
