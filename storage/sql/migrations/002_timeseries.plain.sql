-- KPI rollups. On plain PostgreSQL they are views computed on read; on TimescaleDB the same
-- names are continuous aggregates (../timescale/kpi_rollups.sql) with real-time aggregation,
-- so the same queries return the same rows either way.
CREATE OR REPLACE VIEW kpis_hourly AS
SELECT date_trunc('hour', ts) AS bucket, cell_id,
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
FROM kpis GROUP BY 1, 2;

CREATE OR REPLACE VIEW kpis_daily AS
SELECT date_trunc('day', ts) AS bucket, cell_id,
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
FROM kpis GROUP BY 1, 2;
