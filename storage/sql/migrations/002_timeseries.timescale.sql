-- TimescaleDB variant of 002: hypertables with compression segmented by cell, and the
-- kpis_hourly / kpis_daily rollups as continuous aggregates with real-time aggregation
-- (materialized_only = false), so they return the same rows as the plain views.
SELECT create_hypertable('kpis', by_range('ts', INTERVAL '1 day'), migrate_data => true, if_not_exists => true);
SELECT create_hypertable('mr_samples', by_range('ts', INTERVAL '1 day'), migrate_data => true, if_not_exists => true);

ALTER TABLE kpis SET (timescaledb.compress, timescaledb.compress_segmentby = 'cell_id', timescaledb.compress_orderby = 'ts DESC, period_s');
SELECT add_compression_policy('kpis', INTERVAL '7 days', if_not_exists => true);
ALTER TABLE mr_samples SET (timescaledb.compress, timescaledb.compress_segmentby = 'cell_id', timescaledb.compress_orderby = 'ts DESC');
SELECT add_compression_policy('mr_samples', INTERVAL '7 days', if_not_exists => true);

CREATE MATERIALIZED VIEW IF NOT EXISTS kpis_hourly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 hour', ts) AS bucket, cell_id,
       count(*)                 AS periods,
       avg(availability_pct)    AS availability_pct,
       min(availability_pct)    AS availability_min_pct,
       avg(rrc_setup_sr_pct)    AS rrc_setup_sr_pct,
       avg(erab_setup_sr_pct)   AS erab_setup_sr_pct,
       avg(call_drop_rate_pct)  AS call_drop_rate_pct,
       avg(ho_sr_pct)           AS ho_sr_pct,
       avg(prb_util_dl_pct)     AS prb_util_dl_pct,
       max(prb_util_dl_pct)     AS prb_util_dl_max_pct,
       avg(prb_util_ul_pct)     AS prb_util_ul_pct,
       avg(ul_interference_dbm) AS ul_interference_dbm,
       avg(avg_cqi)             AS avg_cqi,
       avg(dl_user_thr_mbps)    AS dl_user_thr_mbps,
       avg(rrc_users_avg)       AS rrc_users_avg
FROM kpis GROUP BY 1, 2
WITH NO DATA;
SELECT add_continuous_aggregate_policy('kpis_hourly', start_offset => INTERVAL '3 days',
    end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '15 minutes', if_not_exists => true);

CREATE MATERIALIZED VIEW IF NOT EXISTS kpis_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', ts) AS bucket, cell_id,
       count(*)                 AS periods,
       avg(availability_pct)    AS availability_pct,
       min(availability_pct)    AS availability_min_pct,
       avg(rrc_setup_sr_pct)    AS rrc_setup_sr_pct,
       avg(erab_setup_sr_pct)   AS erab_setup_sr_pct,
       avg(call_drop_rate_pct)  AS call_drop_rate_pct,
       avg(ho_sr_pct)           AS ho_sr_pct,
       avg(prb_util_dl_pct)     AS prb_util_dl_pct,
       max(prb_util_dl_pct)     AS prb_util_dl_max_pct,
       avg(prb_util_ul_pct)     AS prb_util_ul_pct,
       avg(ul_interference_dbm) AS ul_interference_dbm,
       avg(avg_cqi)             AS avg_cqi,
       avg(dl_user_thr_mbps)    AS dl_user_thr_mbps,
       avg(rrc_users_avg)       AS rrc_users_avg
FROM kpis GROUP BY 1, 2
WITH NO DATA;
SELECT add_continuous_aggregate_policy('kpis_daily', start_offset => INTERVAL '30 days',
    end_offset => INTERVAL '1 day', schedule_interval => INTERVAL '1 hour', if_not_exists => true);
