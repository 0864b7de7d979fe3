-- Positions of the complaints reported in [start, end), optionally of one diagnosed cause, as
-- one bytea of big-endian float8 pairs (lat, lon): a single value crosses the wire, and numpy
-- reads it without a Python object per complaint. Complaints known only by cell_id are placed
-- at their cell.
SELECT coalesce(string_agg(float8send(p.lat) || float8send(p.lon), ''::bytea), ''::bytea)
FROM (
    SELECT c.lat, c.lon
    FROM complaints c
    WHERE c.reported_at >= %(start)s AND c.reported_at < %(end)s
      AND c.lat IS NOT NULL AND c.lon IS NOT NULL
      AND (%(cause)s::text IS NULL OR EXISTS (
            SELECT 1 FROM diagnoses d
            WHERE d.complaint_id = c.complaint_id AND d.primary_cause = %(cause)s::text))
    UNION ALL
    SELECT cl.lat, cl.lon
    FROM complaints c JOIN cells cl ON cl.cell_id = c.cell_id
    WHERE c.reported_at >= %(start)s AND c.reported_at < %(end)s
      AND (c.lat IS NULL OR c.lon IS NULL)
      AND (%(cause)s::text IS NULL OR EXISTS (
            SELECT 1 FROM diagnoses d
            WHERE d.complaint_id = c.complaint_id AND d.primary_cause = %(cause)s::text))
) AS p
