-- Planned cells inside [min_lon, min_lat, max_lon, max_lat].
SELECT cell_id, site_id, lat, lon, status, on_air_date, technology
FROM cells
WHERE status = 'planned'
  AND lat BETWEEN %(min_lat)s AND %(max_lat)s AND lon BETWEEN %(min_lon)s AND %(max_lon)s
ORDER BY cell_id
