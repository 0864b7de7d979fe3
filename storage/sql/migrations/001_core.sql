-- netcomplaint core schema (plain PostgreSQL 14+). TimescaleDB extras live in ../timescale/.
-- Times are timestamptz (UTC inside); MSISDNs only as keyed hashes plus a masked form.

CREATE TABLE IF NOT EXISTS ingested_files (
    kind        text        NOT NULL,
    sha256      text        NOT NULL,
    path        text        NOT NULL,
    rows_loaded bigint      NOT NULL,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, sha256)
);

CREATE TABLE IF NOT EXISTS cells (
    cell_id       text PRIMARY KEY,
    site_id       text NOT NULL,
    lat           double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon           double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    technology    text NOT NULL CHECK (technology IN ('GSM', 'UMTS', 'LTE', 'NR')),
    azimuth_deg   double precision CHECK (azimuth_deg >= 0 AND azimuth_deg < 360),
    beamwidth_deg double precision NOT NULL DEFAULT 65 CHECK (beamwidth_deg > 0 AND beamwidth_deg <= 360),
    band          text,
    earfcn        integer,
    pci           integer,
    height_m      double precision,
    tilt_deg      double precision,
    indoor        boolean NOT NULL DEFAULT false,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'planned', 'decommissioned')),
    on_air_date   date,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS cells_site_idx ON cells (site_id);
CREATE INDEX IF NOT EXISTS cells_latlon_idx ON cells (lat, lon);

-- Canonical per-cell KPIs, one row per cell and measurement period start.
CREATE TABLE IF NOT EXISTS kpis (
    ts                  timestamptz NOT NULL,
    cell_id             text        NOT NULL,
    period_s            integer     NOT NULL DEFAULT 900 CHECK (period_s > 0),
    availability_pct    double precision,
    rrc_setup_sr_pct    double precision,
    erab_setup_sr_pct   double precision,
    call_drop_rate_pct  double precision,
    ho_sr_pct           double precision,
    prb_util_dl_pct     double precision,
    prb_util_ul_pct     double precision,
    ul_interference_dbm double precision,
    avg_cqi             double precision,
    dl_user_thr_mbps    double precision,
    rrc_users_avg       double precision,
    PRIMARY KEY (cell_id, ts, period_s)
);
CREATE INDEX IF NOT EXISTS kpis_ts_idx ON kpis (ts);

-- Geolocated measurement samples (MR / MDT / drive test).
CREATE TABLE IF NOT EXISTS mr_samples (
    ts        timestamptz NOT NULL,
    lat       double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon       double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    rsrp_dbm  double precision NOT NULL,
    rsrq_db   double precision,
    sinr_db   double precision,
    cell_id   text,
    source    text,
    grid_id   text NOT NULL          -- h3 cell at the configured MR grid resolution
);
CREATE INDEX IF NOT EXISTS mr_samples_grid_ts_idx ON mr_samples (grid_id, ts);
CREATE INDEX IF NOT EXISTS mr_samples_cell_ts_idx ON mr_samples (cell_id, ts);

-- Coverage per grid (h3) and serving cell ('' = all cells), rebuilt from mr_samples.
CREATE TABLE IF NOT EXISTS mr_grid (
    grid_id      text NOT NULL,
    cell_id      text NOT NULL DEFAULT '',
    day          date NOT NULL,
    samples      integer NOT NULL,
    rsrp_mean    double precision,
    rsrp_p10     double precision,
    rsrp_p50     double precision,
    rsrp_p90     double precision,
    weak_share   double precision,   -- share of samples below the weak-coverage RSRP threshold
    sinr_mean    double precision,
    poor_sinr_share double precision,
    PRIMARY KEY (grid_id, cell_id, day)
);

CREATE TABLE IF NOT EXISTS alarms (
    alarm_id   text PRIMARY KEY,
    object_id  text NOT NULL,
    alarm_type text NOT NULL CHECK (alarm_type IN ('cell_unavailable', 'site_down', 'transmission', 'power', 'hardware', 'interference', 'other')),
    severity   text NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'warning')),
    raised_at  timestamptz NOT NULL,
    cleared_at timestamptz,
    text       text,
    source     text NOT NULL DEFAULT 'csv',
    CHECK (cleared_at IS NULL OR cleared_at >= raised_at)
);
CREATE INDEX IF NOT EXISTS alarms_object_idx ON alarms (object_id, raised_at);

CREATE TABLE IF NOT EXISTS subscribers (
    msisdn_hash   text PRIMARY KEY,
    msisdn_masked text NOT NULL,
    tac           text NOT NULL,
    sim_type      text NOT NULL CHECK (sim_type IN ('2g', '3g', '4g', '5g')),
    home_network  text,
    vip           boolean NOT NULL DEFAULT false
);

CREATE TABLE IF NOT EXISTS devices (
    tac            text PRIMARY KEY,
    vendor         text NOT NULL,
    model          text NOT NULL,
    supports_lte   boolean NOT NULL,
    supports_nr    boolean NOT NULL,
    supports_volte boolean NOT NULL,
    bands          text[] NOT NULL DEFAULT '{}',
    known_issue    text
);

CREATE TABLE IF NOT EXISTS registrations (
    msisdn_hash     text NOT NULL,
    observed_at     timestamptz NOT NULL,
    status          text NOT NULL CHECK (status IN ('registered', 'not_registered', 'rejected', 'detached')),
    network         text,
    reject_cause    text,
    call_forwarding boolean,
    roaming_enabled boolean,
    PRIMARY KEY (msisdn_hash, observed_at)
);

CREATE TABLE IF NOT EXISTS areas (
    area_id        bigserial PRIMARY KEY,
    feature_hash   text NOT NULL UNIQUE,     -- sha256 of the canonical feature: re-ingest adds nothing
    kind           text NOT NULL CHECK (kind IN ('blind_spot', 'weak_coverage', 'planned_site', 'interference_source', 'event_venue')),
    name           text,
    note           text,
    planned_on_air date,
    geometry       jsonb NOT NULL,          -- GeoJSON geometry (Polygon/MultiPolygon), WGS84
    min_lat double precision NOT NULL, min_lon double precision NOT NULL,
    max_lat double precision NOT NULL, max_lon double precision NOT NULL
);
CREATE INDEX IF NOT EXISTS areas_bbox_idx ON areas (min_lat, max_lat, min_lon, max_lon);

CREATE TABLE IF NOT EXISTS mass_events (
    mass_event_id text PRIMARY KEY,
    cause         text NOT NULL,
    cells         text[] NOT NULL DEFAULT '{}',
    lat           double precision,
    lon           double precision,
    started_at    timestamptz NOT NULL,
    ended_at      timestamptz,
    complaints    integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS complaints (
    complaint_id        text PRIMARY KEY,
    external_id         text NOT NULL UNIQUE,
    msisdn_hash         text NOT NULL,
    msisdn_masked       text NOT NULL,
    reported_at         timestamptz NOT NULL,
    lat                 double precision CHECK (lat BETWEEN -90 AND 90),
    lon                 double precision CHECK (lon BETWEEN -180 AND 180),
    cell_id             text,
    symptom             text,
    occurred_from       timestamptz,
    occurred_to         timestamptz,
    description         text,
    indoor              boolean,
    floor               integer,
    frequency           text CHECK (frequency IN ('occasional', 'frequent', 'persistent')),
    neighbours_affected text CHECK (neighbours_affected IN ('yes', 'no', 'unknown')),
    everywhere          boolean,
    channel             text CHECK (channel IN ('hotline', 'app', 'web', 'store', 'social', 'regulator')),
    urgent              boolean NOT NULL DEFAULT false,
    diagnosis_status    text NOT NULL DEFAULT 'pending' CHECK (diagnosis_status IN ('pending', 'done', 'failed')),
    diagnosis_attempts  integer NOT NULL DEFAULT 0,
    diagnosis_error     text,
    repeat_of           text REFERENCES complaints (complaint_id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (lat IS NOT NULL AND lon IS NOT NULL OR cell_id IS NOT NULL),
    CHECK (occurred_to IS NULL OR occurred_from IS NULL OR occurred_to >= occurred_from)
);
CREATE INDEX IF NOT EXISTS complaints_reported_idx ON complaints (reported_at, complaint_id);
CREATE INDEX IF NOT EXISTS complaints_msisdn_idx ON complaints (msisdn_hash, reported_at);
CREATE INDEX IF NOT EXISTS complaints_latlon_idx ON complaints (lat, lon);
CREATE INDEX IF NOT EXISTS complaints_pending_idx ON complaints (diagnosis_status) WHERE diagnosis_status <> 'done';

CREATE TABLE IF NOT EXISTS diagnoses (
    complaint_id  text PRIMARY KEY REFERENCES complaints (complaint_id) ON DELETE CASCADE,
    primary_cause text NOT NULL,
    attribution   text NOT NULL CHECK (attribution IN ('user', 'network', 'unknown')),
    confidence    double precision NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    serving_cells text[] NOT NULL DEFAULT '{}',
    mass_event_id text REFERENCES mass_events (mass_event_id),
    result        jsonb NOT NULL,        -- the contract's "diagnosis" object
    diagnosed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS diagnoses_cause_idx ON diagnoses (primary_cause);

CREATE TABLE IF NOT EXISTS work_orders (
    work_order_id    text PRIMARY KEY,
    status           text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'dispatched', 'in_progress', 'resolved', 'verified', 'closed', 'rejected', 'reopened')),
    cause            text NOT NULL,
    department       text NOT NULL,
    grade            text NOT NULL CHECK (grade IN ('A', 'B', 'C', 'D', 'E')),
    priority         integer NOT NULL,
    urgent           boolean NOT NULL DEFAULT false,
    assignee         text,
    cells            text[] NOT NULL DEFAULT '{}',
    mass_event_id    text REFERENCES mass_events (mass_event_id),
    evidence         jsonb NOT NULL DEFAULT '[]',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    due_at           timestamptz NOT NULL,
    progress_due_at  timestamptz,
    resolved_at      timestamptz,
    verified_at      timestamptz,
    closed_at        timestamptz
);
CREATE INDEX IF NOT EXISTS work_orders_status_idx ON work_orders (status, department, created_at);

CREATE TABLE IF NOT EXISTS work_order_complaints (
    work_order_id text NOT NULL REFERENCES work_orders (work_order_id) ON DELETE CASCADE,
    complaint_id  text NOT NULL REFERENCES complaints (complaint_id) ON DELETE CASCADE,
    attached_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (work_order_id, complaint_id)
);
CREATE INDEX IF NOT EXISTS work_order_complaints_complaint_idx ON work_order_complaints (complaint_id);

CREATE TABLE IF NOT EXISTS work_order_events (
    event_id      bigserial PRIMARY KEY,
    work_order_id text NOT NULL REFERENCES work_orders (work_order_id) ON DELETE CASCADE,
    at            timestamptz NOT NULL DEFAULT now(),
    actor         text NOT NULL,
    from_status   text,
    to_status     text,
    note          text
);
CREATE INDEX IF NOT EXISTS work_order_events_order_idx ON work_order_events (work_order_id, at);
