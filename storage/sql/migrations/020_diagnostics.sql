-- Diagnostics: change counters for the reference tables the engine caches in memory (cells,
-- areas), bumped by statement triggers, so a process reloads its cell index only after a change;
-- and what a complaint needs beyond the core columns to be diagnosed again later.

CREATE TABLE IF NOT EXISTS diag_reference_versions (
    name       text PRIMARY KEY,
    version    bigint NOT NULL DEFAULT 0,
    epoch      text NOT NULL DEFAULT md5(random()::text || clock_timestamp()::text),
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO diag_reference_versions (name) VALUES ('cells'), ('areas') ON CONFLICT (name) DO NOTHING;

CREATE OR REPLACE FUNCTION diag_bump_reference_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE diag_reference_versions SET version = version + 1, changed_at = now()
    WHERE name = TG_ARGV[0];
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER diag_cells_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cells
    FOR EACH STATEMENT EXECUTE FUNCTION diag_bump_reference_version('cells');
CREATE OR REPLACE TRIGGER diag_areas_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON areas
    FOR EACH STATEMENT EXECUTE FUNCTION diag_bump_reference_version('areas');

-- The complaint's own UTC offset (reply scripts speak local time) and whether its symptom was
-- inferred from the description.
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS utc_offset_min integer;
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS symptom_inferred boolean NOT NULL DEFAULT false;
ALTER TABLE complaints ADD COLUMN IF NOT EXISTS diagnosed_at timestamptz;

-- Set-based look-ups of other complaints: same place and time, same cell without a position.
CREATE INDEX IF NOT EXISTS complaints_cell_reported_idx ON complaints (cell_id, reported_at)
    WHERE cell_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS diagnoses_mass_event_idx ON diagnoses (mass_event_id)
    WHERE mass_event_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS mass_events_time_idx ON mass_events (cause, started_at);
