-- What the map opens on: the span of complaint times and the extent of the network.
SELECT (SELECT min(reported_at) FROM complaints) AS first_complaint,
       (SELECT max(reported_at) FROM complaints) AS last_complaint,
       (SELECT count(*) FROM cells) AS cells,
       (SELECT min(lat) FROM cells) AS min_lat, (SELECT max(lat) FROM cells) AS max_lat,
       (SELECT min(lon) FROM cells) AS min_lon, (SELECT max(lon) FROM cells) AS max_lon
