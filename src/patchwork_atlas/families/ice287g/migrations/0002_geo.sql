-- 0002: geography. Where each registry agency's jurisdiction is (derived at ingest by
-- geo.resolver.resolve_agencies; manual corrections from geo/corrections.csv win).

CREATE TABLE agency_jurisdictions (
  agency_id       TEXT PRIMARY KEY,      -- agencies.agency_id
  level           TEXT NOT NULL,         -- state | county | municipal | other
  state_fips      TEXT,
  county_fips     TEXT,                  -- primary county (5-digit FIPS), NULL when none or unknown
  county_fips_all TEXT,                  -- every county, primary first, ';'-joined
  place           TEXT,                  -- municipality (or campus, port ...) name, NULL for none
  method          TEXT NOT NULL,         -- how it was resolved (correction, county_name, place+county_cell ...)
  confidence      REAL NOT NULL,         -- 0..1
  review_reason   TEXT                   -- set when a person should check it
);
CREATE INDEX agency_jurisdictions_county ON agency_jurisdictions(county_fips);
CREATE INDEX agency_jurisdictions_state ON agency_jurisdictions(state_fips, level);

-- One row per (agency, county) so a county's agencies are one indexed query.
CREATE TABLE agency_counties (
  agency_id   TEXT NOT NULL,
  county_fips TEXT NOT NULL,
  rank        INTEGER NOT NULL,          -- 0 = primary
  PRIMARY KEY (agency_id, county_fips)
);
CREATE INDEX agency_counties_county ON agency_counties(county_fips);
