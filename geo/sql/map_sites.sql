-- Sites in the box with their cell count, clustered on a square grid of %(size)s degrees
-- when there are too many to draw sectors.
SELECT count(*) AS cells, count(DISTINCT site_id) AS sites, avg(lat) AS lat, avg(lon) AS lon,
       min(site_id) AS site_id, bool_or(status = 'planned') AS planned
FROM cells
WHERE lat BETWEEN %(min_lat)s AND %(max_lat)s AND lon BETWEEN %(min_lon)s AND %(max_lon)s
GROUP BY floor(lat / %(size)s), floor(lon / %(size)s)
