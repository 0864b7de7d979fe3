"""SQL of the planners' report: set-based, over the period and the previous period at once.

Parameters: ``start``, ``end`` (the period), ``prev`` (start of the previous period of equal
length), ``tz`` (zone for days and hours). A complaint's position is its own, or its serving
cell's (first serving cell of the diagnosis, else the complaint's cell). A complaint is the
network's when its diagnosis attributes it to the network.
"""

from __future__ import annotations

SCOPED = """
WITH scoped AS (
    SELECT c.complaint_id, c.reported_at, c.msisdn_hash, c.urgent,
           CASE WHEN c.reported_at >= %(start)s THEN 'current' ELSE 'previous' END AS period,
           coalesce(c.channel, 'unknown') AS channel,
           coalesce(c.symptom, 'unknown') AS symptom,
           CASE WHEN s.msisdn_hash IS NULL THEN 'unknown'
                WHEN s.vip THEN 'vip' ELSE 'regular' END AS customer,
           coalesce(d.primary_cause, 'undiagnosed') AS cause,
           coalesce(d.attribution = 'network', false) AS network,
           d.complaint_id IS NOT NULL AS diagnosed,
           coalesce(c.lat, cl.lat) AS lat, coalesce(c.lon, cl.lon) AS lon
    FROM complaints c
    LEFT JOIN diagnoses d ON d.complaint_id = c.complaint_id
    LEFT JOIN subscribers s ON s.msisdn_hash = c.msisdn_hash
    LEFT JOIN cells cl ON cl.cell_id = coalesce(d.serving_cells[1], c.cell_id)
    WHERE c.reported_at >= %(prev)s AND c.reported_at < %(end)s
)
"""

BREAKDOWNS = (
    SCOPED
    + """
SELECT period,
       CASE WHEN GROUPING(cause) = 0 THEN 'cause'
            WHEN GROUPING(channel) = 0 THEN 'channel'
            WHEN GROUPING(symptom) = 0 THEN 'symptom'
            WHEN GROUPING(customer) = 0 THEN 'customer'
            ELSE 'total' END AS dimension,
       coalesce(cause, channel, symptom, customer, '') AS key,
       count(*) AS complaints,
       count(*) FILTER (WHERE network) AS network,
       count(*) FILTER (WHERE diagnosed) AS diagnosed,
       count(*) FILTER (WHERE urgent) AS urgent,
       count(*) FILTER (WHERE customer = 'vip') AS vip,
       count(DISTINCT msisdn_hash) AS subscribers
FROM scoped
GROUP BY GROUPING SETS ((period), (period, cause), (period, channel), (period, symptom),
                        (period, customer))
"""
)

BY_DAY = (
    SCOPED
    + """
SELECT (reported_at AT TIME ZONE %(tz)s)::date AS day, period,
       count(*) AS complaints, count(*) FILTER (WHERE network) AS network
FROM scoped GROUP BY 1, 2 ORDER BY 1
"""
)

BY_WEEKDAY_HOUR = (
    SCOPED
    + """
SELECT extract(isodow FROM reported_at AT TIME ZONE %(tz)s)::int AS weekday,
       extract(hour FROM reported_at AT TIME ZONE %(tz)s)::int AS hour,
       count(*) AS complaints
FROM scoped WHERE period = 'current' GROUP BY 1, 2
"""
)

POSITIONS = (
    SCOPED
    + """
SELECT lat, lon, period, network, cause FROM scoped WHERE lat IS NOT NULL
"""
)

WORK_ORDERS = """
SELECT GROUPING(department) AS all_departments, department,
       count(*) FILTER (WHERE created_at >= %(start)s) AS opened,
       count(*) FILTER (WHERE created_at >= %(prev)s AND created_at < %(start)s) AS opened_previous,
       count(*) FILTER (WHERE resolved_at >= %(start)s AND resolved_at < %(end)s) AS resolved,
       count(*) FILTER (WHERE resolved_at >= %(start)s AND resolved_at < %(end)s
                          AND resolved_at > due_at) AS resolved_late,
       count(*) FILTER (WHERE verified_at >= %(start)s AND verified_at < %(end)s) AS verified,
       count(*) FILTER (WHERE due_at < %(end)s
                          AND (resolved_at IS NULL OR resolved_at >= %(end)s)
                          AND status NOT IN ('closed', 'rejected')) AS overdue
FROM work_orders
WHERE created_at < %(end)s
  AND (created_at >= %(prev)s OR resolved_at IS NULL OR resolved_at >= %(start)s
       OR verified_at >= %(start)s)
GROUP BY GROUPING SETS ((), (department))
ORDER BY GROUPING(department) DESC, department
"""

CELLS = """
SELECT cell_id, site_id, lat, lon, status FROM cells
WHERE status <> 'decommissioned'
  AND lat BETWEEN %(min_lat)s AND %(max_lat)s AND lon BETWEEN %(min_lon)s AND %(max_lon)s
"""
