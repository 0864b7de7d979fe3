-- Run after the migrations, on plain PostgreSQL (pytest) and on real TimescaleDB (.ci/run): the
-- rollups must give the same rows on both (TimescaleDB's real-time aggregation covers data not
-- yet materialised).
INSERT INTO cells (cell_id, site_id, lat, lon, technology) VALUES ('C1', 'S1', 31.2, 121.4, 'LTE');
INSERT INTO kpis (ts, cell_id, availability_pct, prb_util_dl_pct, ul_interference_dbm) VALUES
  ('2026-01-05 08:00+00', 'C1', 100, 40, -118), ('2026-01-05 08:15+00', 'C1', 80, 90, -100),
  ('2026-01-05 09:00+00', 'C1', 100, 50, -117), ('2026-01-06 09:00+00', 'C1', 100, 60, -119);
-- @show
SELECT bucket, cell_id, periods, availability_pct, availability_min_pct, prb_util_dl_max_pct
FROM kpis_hourly ORDER BY bucket;
DO $$
BEGIN
  IF (SELECT availability_pct FROM kpis_hourly WHERE bucket = '2026-01-05 08:00+00') <> 90
     OR (SELECT prb_util_dl_max_pct FROM kpis_hourly WHERE bucket = '2026-01-05 08:00+00') <> 90
     OR (SELECT count(*) FROM kpis_hourly) <> 3
     OR (SELECT periods FROM kpis_daily WHERE bucket = '2026-01-05 00:00+00') <> 3
     OR (SELECT count(*) FROM kpis_daily) <> 2 THEN
    RAISE EXCEPTION 'TimescaleDB rollups differ from the plain-PostgreSQL views';
  END IF;
END $$;
