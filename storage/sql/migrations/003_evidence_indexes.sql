-- Covering indexes for the diagnosis's evidence reads: a complaint reads a few hours of KPIs of
-- a few cells, and the MR samples of a named cell. Rows of one cell are scattered over the heap
-- (loads arrive time-ordered, all cells at once), so fetching them from the table costs one page
-- per row; with the columns in the index the reads are index-only range scans (the loaders
-- VACUUM after a load so the pages are marked all-visible).
CREATE INDEX IF NOT EXISTS kpis_cell_ts_covering ON kpis (cell_id, ts)
    INCLUDE (availability_pct, rrc_setup_sr_pct, erab_setup_sr_pct, call_drop_rate_pct,
             prb_util_dl_pct, ul_interference_dbm, avg_cqi, dl_user_thr_mbps, rrc_users_avg);

-- replaces the plain (cell_id, ts) index: same order, plus what the per-cell coverage reads
CREATE INDEX IF NOT EXISTS mr_samples_cell_ts_covering ON mr_samples (cell_id, ts)
    INCLUDE (grid_id, rsrp_dbm, sinr_db);
DROP INDEX IF EXISTS mr_samples_cell_ts_idx;

-- the coverage around a place: a grid's days in order, with what the coverage read sums
CREATE INDEX IF NOT EXISTS mr_grid_covering ON mr_grid (grid_id, day)
    INCLUDE (cell_id, samples, weak_share, rsrp_p10, rsrp_p50, rsrp_p90, sinr_mean,
             poor_sinr_share);
