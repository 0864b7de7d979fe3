-- Cells in the box (sector geometry for the map), at most %(limit)s.
SELECT cell_id, site_id, lat, lon, azimuth_deg, beamwidth_deg, technology, status, indoor
FROM cells
WHERE lat BETWEEN %(min_lat)s AND %(max_lat)s AND lon BETWEEN %(min_lon)s AND %(max_lon)s
ORDER BY cell_id
LIMIT %(limit)s
