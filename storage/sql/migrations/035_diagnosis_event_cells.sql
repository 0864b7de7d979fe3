-- The cells a diagnosis shares a mass event by (its serving sites' cells, and for an outage the
-- neighbouring sites down with it), kept beside it: an earlier complaint is found as company by
-- these, not only by its serving cells. The relation was one-sided: the first complaint of a
-- typhoon's power cut saw the next one's site down, but not the other way round, and stayed
-- out of the event (gen 27). Rows from before keep their serving cells.
ALTER TABLE diagnoses ADD COLUMN IF NOT EXISTS event_cells text[];
UPDATE diagnoses SET event_cells = serving_cells WHERE event_cells IS NULL;
CREATE INDEX IF NOT EXISTS diagnoses_unassigned_event_cells ON diagnoses USING gin (event_cells)
    WITH (fastupdate = off) WHERE mass_event_id IS NULL;
DROP INDEX IF EXISTS diagnoses_unassigned_cells;
