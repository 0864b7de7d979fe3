-- Mass-event grouping looks, for each new network diagnosis, for earlier ones not yet in an event
-- that share a serving cell (then filters by time and place): a cell has few such diagnoses, so
-- an index on the cells keeps that read independent of how many diagnoses the table holds.
CREATE INDEX IF NOT EXISTS diagnoses_unassigned_cells ON diagnoses USING gin (serving_cells)
    WHERE mass_event_id IS NULL;
