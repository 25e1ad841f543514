-- 0012: what a person needs to act on a legal-help listing (issue 19): whether an office is only a
-- mailing address, the recognition dates the Recognized Organizations roster prints, the
-- languages a roster entry says are NOT spoken (only when it says so), and the counties a ZIP
-- spans when neither city nor address decides the county (issue 12, offices).
ALTER TABLE legal_offices ADD COLUMN mailing_only INTEGER NOT NULL DEFAULT 0; -- P.O. Box / PMB only
ALTER TABLE legal_offices ADD COLUMN recognized_date TEXT;       -- ISO, as printed on the roster
ALTER TABLE legal_offices ADD COLUMN recognition_expires TEXT;   -- ISO, as printed on the roster
ALTER TABLE legal_offices ADD COLUMN renewal_pending INTEGER;    -- 1/0 as printed; NULL unknown
ALTER TABLE legal_offices ADD COLUMN recognition_roster_date TEXT; -- the roster the dates come from
ALTER TABLE legal_offices ADD COLUMN languages_denied TEXT NOT NULL DEFAULT '[]'; -- codes the entry says are not spoken
ALTER TABLE legal_offices ADD COLUMN county_candidates TEXT NOT NULL DEFAULT '[]'; -- ZIP's counties when undecided
-- 'If someone is detained' lists the pro bono entries under a state's immigration courts.
CREATE INDEX legal_roster_rows_court_state ON legal_roster_rows(sha256, court_state);
-- Existing databases: rebuild the directory on the next ingest run.
INSERT OR REPLACE INTO meta(key, value) VALUES ('dirty:eoir', '1');
