-- 0009: corrections accepted locally (`patchwork reports accept`), copied by ingest from the data
-- directory's corrections/accepted.csv so derivation applies them and the public Corrections
-- page reads them from the same snapshot as the facts they change.
CREATE TABLE local_corrections (
  correction_id INTEGER PRIMARY KEY,   -- the row's number in accepted.csv
  accepted_utc  TEXT NOT NULL,
  family        TEXT NOT NULL,         -- the family re-derived when it changes
  tbl           TEXT NOT NULL,         -- agency_name | agency_placement | facility_county
  key           TEXT NOT NULL,         -- the fact's id (agency_id ...)
  value         TEXT NOT NULL,         -- the corrected fact
  before        TEXT,                  -- the fact as published before the correction
  reason        TEXT NOT NULL,
  source        TEXT NOT NULL,         -- where the corrected fact can be checked (URL or document)
  report_id     INTEGER                -- the report it answers, if any
);
