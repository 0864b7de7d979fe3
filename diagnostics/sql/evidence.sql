-- Evidence queries of the diagnostics engine. Every query is set-based: the requests of a batch
-- (one complaint = one request index ``i``) come in as parallel arrays, and rows come back keyed
-- by ``i``, so a batch of a thousand complaints costs the same number of round trips as one.
-- One unnest per query: an element row (a cell, a grid) carries its request's values (window,
-- subscriber) instead of being joined to a second set of requests. The diagnosis transaction runs
-- generic plans, which guess ten rows per unnest, and a join of two sets then became a nested
-- loop unnesting the inner set again for every outer row (110 ms instead of 3 ms a thousand).
-- Arrays travel as one text parameter each, elements separated by chr(31) and split here
-- (``string_to_array``: far cheaper than binding thousands of array elements); times are epoch
-- seconds. Sections start with "-- name: <query>"; evidence.py loads them by name.

-- name: versions
SELECT name, version, epoch FROM diag_reference_versions
WHERE name IN ('cells', 'areas', 'subscribers');

-- name: alarm_feed
-- Any alarm at all: without an alarm feed, "no alarm on the serving cells" is not evidence.
SELECT EXISTS (SELECT 1 FROM alarms);

-- name: mr_probe
SELECT (SELECT grid_id FROM mr_grid LIMIT 1) AS grid_id,
       (SELECT grid_id FROM mr_samples LIMIT 1) AS sample_grid_id;

-- name: subscribers
SELECT s.msisdn_hash, s.tac, s.sim_type, s.home_network, s.vip,
       d.vendor, d.model, d.supports_lte, d.supports_nr, d.supports_volte, d.bands, d.known_issue
FROM subscribers s
LEFT JOIN devices d ON d.tac = s.tac
WHERE s.msisdn_hash = ANY(string_to_array(%(hashes)s, chr(31)));

-- name: registrations
-- The latest snapshot up to shortly after the complaint, within the look-back.
SELECT r.i, g.observed_at, g.status, g.network, g.reject_cause, g.call_forwarding, g.roaming_enabled
FROM unnest(
    string_to_array(%(i)s, chr(31))::int[],
    string_to_array(%(h)s, chr(31)),
    string_to_array(%(t0)s, chr(31))::float8[],
    string_to_array(%(t1)s, chr(31))::float8[]) AS r(i, h, t0, t1)
CROSS JOIN LATERAL (
    SELECT observed_at, status, network, reject_cause, call_forwarding, roaming_enabled
    FROM registrations g
    WHERE g.msisdn_hash = r.h AND g.observed_at >= to_timestamp(r.t0) AND g.observed_at <= to_timestamp(r.t1)
    ORDER BY g.observed_at DESC
    LIMIT 1
) g;

-- name: repeats
-- The same subscriber's other complaints (does the problem follow the user?).
SELECT r.i, c.complaint_id, c.reported_at, c.lat, c.lon, c.cell_id
FROM unnest(
    string_to_array(%(i)s, chr(31))::int[],
    string_to_array(%(h)s, chr(31)),
    string_to_array(%(t0)s, chr(31))::float8[],
    string_to_array(%(t1)s, chr(31))::float8[],
    string_to_array(%(cid)s, chr(31)))
     AS r(i, h, t0, t1, cid)
JOIN complaints c ON c.msisdn_hash = r.h AND c.reported_at >= to_timestamp(r.t0) AND c.reported_at <= to_timestamp(r.t1)
                 AND c.complaint_id <> r.cid;

-- name: kpis
-- Per request and cell, hour by hour: at the time of the problem (hours overlapping [a0, a1)) and
-- the same hours a day earlier (the cell's usual level then). Only those two stretches are read.
SELECT e.i, e.cell, s.*
FROM unnest(string_to_array(%(i)s, chr(31))::int[], string_to_array(%(cell)s, chr(31)),
            string_to_array(%(a0)s, chr(31))::float8[], string_to_array(%(a1)s, chr(31))::float8[])
     AS e(i, cell, a0, a1)
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE h.at)::int                                        AS hours_at,
           count(*)::int                                                           AS hours,
           min(h.avail_min) FILTER (WHERE h.at)                                    AS availability_min,
           count(*) FILTER (WHERE h.at AND h.avail_min < %(avail)s)::int           AS unavailable_hours,
           avg(h.setup) FILTER (WHERE h.at)                                        AS setup_avg,
           min(h.setup) FILTER (WHERE h.at)                                        AS setup_min,
           count(*) FILTER (WHERE h.at AND h.setup < %(setup)s)::int               AS setup_bad_hours,
           avg(h.drop_rate) FILTER (WHERE h.at)                                    AS drop_avg,
           max(h.drop_rate) FILTER (WHERE h.at)                                    AS drop_max,
           count(*) FILTER (WHERE h.at AND h.drop_rate > %(drop)s)::int            AS drop_bad_hours,
           max(h.prb) FILTER (WHERE h.at)                                          AS prb_busy,
           (array_agg(h.bucket ORDER BY h.prb DESC NULLS LAST) FILTER (WHERE h.at))[1] AS busy_hour,
           count(*) FILTER (WHERE h.at AND h.prb > %(prb)s)::int                   AS prb_busy_hours,
           max(h.ul) FILTER (WHERE h.at)                                           AS ul_max,
           (array_agg(h.bucket ORDER BY h.ul DESC NULLS LAST) FILTER (WHERE h.at))[1] AS ul_worst_hour,
           count(*) FILTER (WHERE h.at AND h.ul > %(ul)s)::int                     AS ul_bad_hours,
           avg(h.cqi) FILTER (WHERE h.at)                                          AS cqi_avg,
           count(*) FILTER (WHERE h.at AND h.cqi < %(cqi)s)::int                   AS cqi_bad_hours,
           avg(h.users) FILTER (WHERE h.at)                                        AS users_at,
           avg(h.users) FILTER (WHERE NOT h.at)                                    AS users_before,
           avg(h.thr) FILTER (WHERE h.at)                                          AS thr_at,
           min(h.thr) FILTER (WHERE h.at)                                          AS thr_min,
           avg(h.thr) FILTER (WHERE NOT h.at)                                      AS thr_before,
           max(h.prb) FILTER (WHERE NOT h.at)                                      AS prb_before,
           count(*) FILTER (WHERE h.at AND h.avail_min IS NOT NULL)::int           AS availability_hours
    FROM (
        SELECT date_trunc('hour', k.ts)                                   AS bucket,
               k.at,
               min(k.availability_pct)                                    AS avail_min,
               least(avg(k.rrc_setup_sr_pct), avg(k.erab_setup_sr_pct))   AS setup,
               avg(k.call_drop_rate_pct)                                  AS drop_rate,
               avg(k.prb_util_dl_pct)                                     AS prb,
               avg(k.ul_interference_dbm)                                 AS ul,
               avg(k.avg_cqi)                                             AS cqi,
               avg(k.dl_user_thr_mbps)                                    AS thr,
               avg(k.rrc_users_avg)                                       AS users
        -- two range scans of the covering index (kpis_cell_ts_covering): index-only, no heap
        FROM (
            SELECT true AS at, ts, availability_pct, rrc_setup_sr_pct, erab_setup_sr_pct,
                   call_drop_rate_pct, prb_util_dl_pct, ul_interference_dbm, avg_cqi,
                   dl_user_thr_mbps, rrc_users_avg
            FROM kpis
            WHERE cell_id = e.cell AND ts >= date_trunc('hour', to_timestamp(e.a0))
              AND ts < to_timestamp(e.a1)
            UNION ALL
            SELECT false, ts, availability_pct, rrc_setup_sr_pct, erab_setup_sr_pct,
                   call_drop_rate_pct, prb_util_dl_pct, ul_interference_dbm, avg_cqi,
                   dl_user_thr_mbps, rrc_users_avg
            FROM kpis
            WHERE cell_id = e.cell AND ts >= date_trunc('hour', to_timestamp(e.a0)) - interval '1 day'
              AND ts < least(to_timestamp(e.a1) - interval '1 day', date_trunc('hour', to_timestamp(e.a0)))
        ) k
        GROUP BY 1, 2
    ) h
) s
WHERE s.hours_at > 0;

-- name: alarms
-- Alarms on the serving cells and sites (role 'serving') and on neighbouring cells and sites
-- (role 'neighbour') that were active at some time inside the window.
SELECT e.i, e.role, a.alarm_id, a.object_id, a.alarm_type, a.severity, a.raised_at, a.cleared_at, a.text
FROM unnest(string_to_array(%(i)s, chr(31))::int[], string_to_array(%(obj)s, chr(31)),
            string_to_array(%(role)s, chr(31)), string_to_array(%(f)s, chr(31))::float8[],
            string_to_array(%(t)s, chr(31))::float8[]) AS e(i, obj, role, f, t)
JOIN alarms a ON a.object_id = e.obj AND a.raised_at < to_timestamp(e.t)
             AND (a.cleared_at IS NULL OR a.cleared_at > to_timestamp(e.f));

-- name: mr_grid
-- Coverage around the place from the daily MR grid, read once: the all-cells rows (cell_id '')
-- give the coverage, the per-cell rows which cells serve here (samples weighted by nearness, w).
-- Each grid's days are summed first (one row per grid and cell), so ``grids`` is a plain count.
SELECT e.i, m.cell_id,
       sum(m.samples)::bigint                                   AS samples,
       count(*)::int                                            AS grids,
       sum(m.weak_x) / nullif(sum(m.weak_n), 0)                 AS weak_share,
       sum(m.p10_x) / nullif(sum(m.p10_n), 0)                   AS rsrp_p10,
       sum(m.p50_x) / nullif(sum(m.p50_n), 0)                   AS rsrp_p50,
       sum(m.p90_x) / nullif(sum(m.p90_n), 0)                   AS rsrp_p90,
       sum(m.sinr_x) / nullif(sum(m.sinr_n), 0)                 AS sinr_mean,
       sum(m.poor_x) / nullif(sum(m.poor_n), 0)                 AS poor_sinr_share,
       NULL::double precision                                   AS good_rsrp_poor_sinr_share,
       sum(m.samples * e.w)                                     AS weighted
FROM unnest(string_to_array(%(i)s, chr(31))::int[], string_to_array(%(grid)s, chr(31)),
            string_to_array(%(w)s, chr(31))::float8[], string_to_array(%(d0)s, chr(31))::date[],
            string_to_array(%(d1)s, chr(31))::date[]) AS e(i, g, w, d0, d1)
-- LATERAL: one index-only probe of mr_grid_covering per grid (for big batches a merge join over
-- the whole grid table looks cheaper to the planner, but reads every row of it)
CROSS JOIN LATERAL (
    SELECT g.cell_id,
           sum(g.samples)                                                   AS samples,
           sum(g.samples * g.weak_share)                                    AS weak_x,
           sum(g.samples) FILTER (WHERE g.weak_share IS NOT NULL)           AS weak_n,
           sum(g.samples * g.rsrp_p10)                                      AS p10_x,
           sum(g.samples) FILTER (WHERE g.rsrp_p10 IS NOT NULL)             AS p10_n,
           sum(g.samples * g.rsrp_p50)                                      AS p50_x,
           sum(g.samples) FILTER (WHERE g.rsrp_p50 IS NOT NULL)             AS p50_n,
           sum(g.samples * g.rsrp_p90)                                      AS p90_x,
           sum(g.samples) FILTER (WHERE g.rsrp_p90 IS NOT NULL)             AS p90_n,
           sum(g.samples * g.sinr_mean)                                     AS sinr_x,
           sum(g.samples) FILTER (WHERE g.sinr_mean IS NOT NULL)            AS sinr_n,
           sum(g.samples * g.poor_sinr_share)                               AS poor_x,
           sum(g.samples) FILTER (WHERE g.poor_sinr_share IS NOT NULL)      AS poor_n
    FROM mr_grid g WHERE g.grid_id = e.g AND g.day >= e.d0 AND g.day <= e.d1
    GROUP BY g.cell_id
) m
GROUP BY e.i, m.cell_id;

-- name: mr_samples
-- The same from the raw samples, when no grid has been built.
SELECT e.i,
       count(*)::bigint                                                 AS samples,
       count(DISTINCT s.grid_id)::int                                   AS grids,
       avg((s.rsrp_dbm < %(weak)s)::int)                                AS weak_share,
       percentile_cont(0.1) WITHIN GROUP (ORDER BY s.rsrp_dbm)          AS rsrp_p10,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s.rsrp_dbm)          AS rsrp_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY s.rsrp_dbm)          AS rsrp_p90,
       avg(s.sinr_db)                                                   AS sinr_mean,
       avg((s.sinr_db < %(poor_sinr)s)::int) FILTER (WHERE s.sinr_db IS NOT NULL) AS poor_sinr_share,
       avg((s.sinr_db < %(poor_sinr)s)::int)
           FILTER (WHERE s.sinr_db IS NOT NULL AND s.rsrp_dbm >= %(good)s) AS good_rsrp_poor_sinr_share
FROM unnest(string_to_array(%(i)s, chr(31))::int[], string_to_array(%(grid)s, chr(31)),
            string_to_array(%(t0)s, chr(31))::float8[], string_to_array(%(t1)s, chr(31))::float8[])
     AS e(i, g, t0, t1)
JOIN mr_samples s ON s.grid_id = e.g AND s.ts >= to_timestamp(e.t0) AND s.ts < to_timestamp(e.t1)
GROUP BY e.i;

-- name: mr_cell
-- Coverage of a cell named without a position: all the MR samples it served.
SELECT r.i,
       count(*)::bigint                                                 AS samples,
       count(DISTINCT s.grid_id)::int                                   AS grids,
       avg((s.rsrp_dbm < %(weak)s)::int)                                AS weak_share,
       percentile_cont(0.1) WITHIN GROUP (ORDER BY s.rsrp_dbm)          AS rsrp_p10,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s.rsrp_dbm)          AS rsrp_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY s.rsrp_dbm)          AS rsrp_p90,
       avg(s.sinr_db)                                                   AS sinr_mean,
       avg((s.sinr_db < %(poor_sinr)s)::int) FILTER (WHERE s.sinr_db IS NOT NULL) AS poor_sinr_share,
       avg((s.sinr_db < %(poor_sinr)s)::int)
           FILTER (WHERE s.sinr_db IS NOT NULL AND s.rsrp_dbm >= %(good)s) AS good_rsrp_poor_sinr_share
FROM unnest(string_to_array(%(i)s, chr(31))::int[], string_to_array(%(cell)s, chr(31)),
            string_to_array(%(t0)s, chr(31))::float8[], string_to_array(%(t1)s, chr(31))::float8[])
     AS r(i, cell, t0, t1)
JOIN mr_samples s ON s.cell_id = r.cell AND s.ts >= to_timestamp(r.t0) AND s.ts < to_timestamp(r.t1)
GROUP BY r.i;

-- name: mr_cells_samples
-- The same from the raw samples that name their serving cell.
SELECT e.i, s.cell_id, sum(e.w) AS samples,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s.rsrp_dbm) AS rsrp_p50
FROM unnest(string_to_array(%(i)s, chr(31))::int[], string_to_array(%(grid)s, chr(31)),
            string_to_array(%(w)s, chr(31))::float8[], string_to_array(%(t0)s, chr(31))::float8[],
            string_to_array(%(t1)s, chr(31))::float8[]) AS e(i, g, w, t0, t1)
JOIN mr_samples s ON s.grid_id = e.g AND s.ts >= to_timestamp(e.t0) AND s.ts < to_timestamp(e.t1) AND s.cell_id IS NOT NULL
GROUP BY e.i, s.cell_id;

-- name: nearby
-- Other subscribers' complaints close in space (a box, refined in Python) and time.
SELECT r.i, c.complaint_id, c.reported_at, c.lat, c.lon, c.cell_id, c.symptom
FROM unnest(
    string_to_array(%(i)s, chr(31))::int[],
    string_to_array(%(lat)s, chr(31))::float8[],
    string_to_array(%(lon)s, chr(31))::float8[],
    string_to_array(%(dlat)s, chr(31))::float8[],
    string_to_array(%(dlon)s, chr(31))::float8[],
    string_to_array(%(t0)s, chr(31))::float8[],
    string_to_array(%(t1)s, chr(31))::float8[],
    string_to_array(%(h)s, chr(31)),
    string_to_array(%(cid)s, chr(31)))
     AS r(i, lat, lon, dlat, dlon, t0, t1, h, cid)
JOIN complaints c ON c.lat BETWEEN r.lat - r.dlat AND r.lat + r.dlat
                 AND c.lon BETWEEN r.lon - r.dlon AND r.lon + r.dlon
                 AND c.reported_at >= to_timestamp(r.t0) AND c.reported_at <= to_timestamp(r.t1)
                 AND c.complaint_id <> r.cid AND c.msisdn_hash <> r.h;

-- name: nearby_by_cell
-- Complaints that gave only a cell, on one of the request's cells.
SELECT e.i, c.complaint_id, c.reported_at, c.lat, c.lon, c.cell_id, c.symptom
FROM unnest(string_to_array(%(i)s, chr(31))::int[], string_to_array(%(cell)s, chr(31)),
            string_to_array(%(t0)s, chr(31))::float8[], string_to_array(%(t1)s, chr(31))::float8[],
            string_to_array(%(h)s, chr(31)), string_to_array(%(cid)s, chr(31)))
     AS e(i, cell, t0, t1, h, cid)
JOIN complaints c ON c.cell_id = e.cell AND c.lat IS NULL
                 AND c.reported_at >= to_timestamp(e.t0) AND c.reported_at <= to_timestamp(e.t1)
                 AND c.complaint_id <> e.cid AND c.msisdn_hash <> e.h;
