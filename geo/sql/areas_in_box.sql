-- Known areas whose bounding box meets [min_lon, min_lat, max_lon, max_lat].
SELECT area_id, kind, name, note, planned_on_air, geometry
FROM areas
WHERE max_lat >= %(min_lat)s AND min_lat <= %(max_lat)s
  AND max_lon >= %(min_lon)s AND min_lon <= %(max_lon)s
ORDER BY area_id
