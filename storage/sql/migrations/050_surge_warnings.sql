-- Complaint-surge early warnings (reports domain). One row per warning; a warning is opened
-- when a surge is detected in an area (h3 cell) or on a cell, updated at each evaluation while
-- it lasts, and cleared when both the surge and the linked network degradation have ended.

CREATE TABLE IF NOT EXISTS surge_warnings (
    warning_id        text PRIMARY KEY,
    scope             text NOT NULL CHECK (scope IN ('area', 'cell')),
    area_key          text NOT NULL,                 -- h3 cell id (scope area) or cell_id (scope cell)
    area_keys         text[] NOT NULL DEFAULT '{}',  -- every h3 cell / cell the surge spans
    status            text NOT NULL CHECK (status IN ('active', 'cleared')),
    level             text NOT NULL CHECK (level IN ('yellow', 'orange', 'red', 'black')),
    level_reasons     jsonb NOT NULL DEFAULT '[]',
    started_at        timestamptz NOT NULL,          -- first complaint of the surge
    detected_at       timestamptz NOT NULL,          -- evaluation that opened it
    evaluated_at      timestamptz NOT NULL,          -- latest evaluation (data time)
    cleared_at        timestamptz,
    complaints        integer NOT NULL,              -- complaints so far
    vip_complaints    integer NOT NULL DEFAULT 0,
    window_complaints integer NOT NULL,              -- in the latest detection window
    expected          double precision NOT NULL,     -- baseline for that window
    p_value           double precision NOT NULL,
    peak_ratio        double precision NOT NULL,     -- max observed / expected so far
    affected_users    integer NOT NULL DEFAULT 0,
    lat               double precision,
    lon               double precision,
    cells             text[] NOT NULL DEFAULT '{}',
    degraded_cells    text[] NOT NULL DEFAULT '{}',
    evidence          jsonb NOT NULL DEFAULT '{}',   -- {"kpis": [...], "alarms": [...]}
    subscribers       jsonb NOT NULL DEFAULT '[]',   -- masked MSISDNs likely affected
    history           jsonb NOT NULL DEFAULT '[]',   -- level changes
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (cleared_at IS NULL OR cleared_at >= started_at),
    CHECK ((status = 'cleared') = (cleared_at IS NOT NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS surge_warnings_one_active_idx
    ON surge_warnings (scope, area_key) WHERE status = 'active';
CREATE INDEX IF NOT EXISTS surge_warnings_started_idx ON surge_warnings (started_at);

-- Where incremental evaluation stopped (one row).
CREATE TABLE IF NOT EXISTS surge_warning_runs (
    id           integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    last_step_at timestamptz NOT NULL,
    ran_at       timestamptz NOT NULL DEFAULT now()
);
