-- Complaints of the period (and cause) in the box, counted per square of %(size)s degrees and
-- primary cause, with their summed positions (the caller merges causes and takes means).
SELECT floor(c.lat / %(size)s) AS gy, floor(c.lon / %(size)s) AS gx,
       coalesce(d.primary_cause, 'undiagnosed') AS cause,
       count(*) AS n, sum(c.lat) AS lat_sum, sum(c.lon) AS lon_sum
FROM complaints c
LEFT JOIN diagnoses d ON d.complaint_id = c.complaint_id
WHERE c.reported_at >= %(start)s AND c.reported_at < %(end)s
  AND c.lat BETWEEN %(min_lat)s AND %(max_lat)s AND c.lon BETWEEN %(min_lon)s AND %(max_lon)s
  AND (%(cause)s::text IS NULL OR d.primary_cause = %(cause)s::text)
GROUP BY 1, 2, 3
