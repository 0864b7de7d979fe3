-- Complaints of the period (and cause) in the box, one row each: id, position, primary cause.
SELECT c.complaint_id, c.lat, c.lon, coalesce(d.primary_cause, 'undiagnosed') AS cause
FROM complaints c
LEFT JOIN diagnoses d ON d.complaint_id = c.complaint_id
WHERE c.reported_at >= %(start)s AND c.reported_at < %(end)s
  AND c.lat BETWEEN %(min_lat)s AND %(max_lat)s AND c.lon BETWEEN %(min_lon)s AND %(max_lon)s
  AND (%(cause)s::text IS NULL OR d.primary_cause = %(cause)s::text)
ORDER BY c.reported_at DESC, c.complaint_id
LIMIT %(limit)s
