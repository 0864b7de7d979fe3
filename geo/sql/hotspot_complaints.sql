-- Complaints of [prev_start, end) inside any of the boxes (parallel arrays), with what the
-- hotspot summary needs. Diagnoses are looked up for the current period only (and for the
-- previous one when a cause filters both). A complaint in overlapping boxes comes once per box
-- (the caller deduplicates).
WITH hits AS (
    SELECT c.complaint_id, c.lat, c.lon, c.reported_at, c.indoor
    FROM unnest(%(min_lat)s::float8[], %(max_lat)s::float8[], %(min_lon)s::float8[],
                %(max_lon)s::float8[]) AS b(min_lat, max_lat, min_lon, max_lon)
    JOIN complaints c ON c.lat BETWEEN b.min_lat AND b.max_lat
                     AND c.lon BETWEEN b.min_lon AND b.max_lon
    WHERE c.reported_at >= %(prev_start)s AND c.reported_at < %(end)s
    UNION ALL
    SELECT c.complaint_id, cl.lat, cl.lon, c.reported_at, c.indoor
    FROM unnest(%(min_lat)s::float8[], %(max_lat)s::float8[], %(min_lon)s::float8[],
                %(max_lon)s::float8[]) AS b(min_lat, max_lat, min_lon, max_lon)
    JOIN cells cl ON cl.lat BETWEEN b.min_lat AND b.max_lat
                 AND cl.lon BETWEEN b.min_lon AND b.max_lon
    JOIN complaints c ON c.cell_id = cl.cell_id AND (c.lat IS NULL OR c.lon IS NULL)
    WHERE c.reported_at >= %(prev_start)s AND c.reported_at < %(end)s
)
SELECT h.complaint_id, h.lat, h.lon, h.reported_at >= %(start)s AS current, h.indoor,
       d.primary_cause, d.serving_cells
FROM hits h
LEFT JOIN LATERAL (  -- LIMIT 1 keeps this a per-row index lookup (box sizes fool estimates)
    SELECT d.primary_cause, d.serving_cells FROM diagnoses d
    WHERE d.complaint_id = h.complaint_id
      AND (h.reported_at >= %(start)s OR %(cause)s::text IS NOT NULL)
    LIMIT 1
) AS d ON true
WHERE %(cause)s::text IS NULL OR d.primary_cause = %(cause)s::text
