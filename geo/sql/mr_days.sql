-- The span of days with MR grid data (used when the requested period has none).
SELECT min(day), max(day) FROM mr_grid WHERE cell_id = ''
