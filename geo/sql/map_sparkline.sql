-- One KPI of one cell over [start, end) in buckets of %(bucket)s seconds.
SELECT date_bin(make_interval(secs => %(bucket)s), ts, %(start)s) AS t, avg({kpi}) AS v
FROM kpis
WHERE cell_id = %(cell_id)s AND ts >= %(start)s AND ts < %(end)s AND {kpi} IS NOT NULL
GROUP BY 1
ORDER BY 1
