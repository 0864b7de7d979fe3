-- How many cells lie in the box.
SELECT count(*)
FROM cells
WHERE lat BETWEEN %(min_lat)s AND %(max_lat)s AND lon BETWEEN %(min_lon)s AND %(max_lon)s
