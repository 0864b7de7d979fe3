-- Shown by the TimescaleDB check: which tables are hypertables, with compression on.
-- @show
SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables ORDER BY 1;
