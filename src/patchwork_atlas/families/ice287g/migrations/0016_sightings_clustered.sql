-- 0016: agreement_sightings (167,000 rows, derived) clustered on its primary key. As a rowid
-- table with an index by publication it stored every (agreement, publication) pair three
-- times: 26 MB of the database's 60. Same rows, same key. The index by publication goes:
-- only `as_of` answers (computed on demand) ask "which agreements did this list show", and
-- they probe the key per agreement (`EXISTS`) or scan the table once (~8 ms).
CREATE TABLE agreement_sightings_new (
  agreement_id   TEXT NOT NULL,
  publication_id TEXT NOT NULL,
  signed_date    TEXT,
  PRIMARY KEY (agreement_id, publication_id)
) WITHOUT ROWID;
INSERT INTO agreement_sightings_new SELECT agreement_id, publication_id, signed_date
  FROM agreement_sightings;
DROP TABLE agreement_sightings;
ALTER TABLE agreement_sightings_new RENAME TO agreement_sightings;

-- The newest list of each kind, asked by every answer's as-of date: one index probe.
CREATE INDEX publications_list_date ON publications(list, published_date);
