-- Raw 3GPP PM counters (kpi_ingest/pm), kept so KPIs can be recomputed when the formulas in
-- configuration change (`netcomplaint ingest recompute-kpis`).

-- Each distinct ordered list of counter names a measInfo reported, stored once.
CREATE TABLE IF NOT EXISTS pm_counter_sets (
    set_id   text PRIMARY KEY,              -- md5 of the names joined by newlines
    counters text[] NOT NULL
);

-- One row per measured object, period and counter list: values aligned with the set's names.
CREATE TABLE IF NOT EXISTS pm_counters (
    element_dn  text        NOT NULL,       -- managedElement / measEntity localDn ('' if none)
    ldn         text        NOT NULL,       -- measObjLdn
    ts          timestamptz NOT NULL,       -- start of the granularity period
    period_s    integer     NOT NULL CHECK (period_s > 0),
    set_id      text        NOT NULL,       -- a pm_counter_sets row (no FK: a lookup per row)
    cell_id     text,                       -- NULL: not a cell (port, board, node): never a KPI
    vals        double precision[] NOT NULL, -- NULL element: missing, NIL, or an array counter
    arrays      jsonb,                      -- array (PDF) counters {name: [bin values]}
    suspect     boolean     NOT NULL DEFAULT false,
    meas_info   text        NOT NULL DEFAULT '',
    file_sha256 text,
    PRIMARY KEY (element_dn, ldn, ts, period_s, set_id)
);
CREATE INDEX IF NOT EXISTS pm_counters_cell_idx ON pm_counters (cell_id, ts, period_s)
    WHERE cell_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS pm_counters_ts_idx ON pm_counters (ts);
