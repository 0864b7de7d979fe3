-- MR summary per grid (all serving cells) over the days [first_day, last_day]: the samples are
-- the hotspot exposure, and with the sample-weighted weak share and RSRP they draw the map's
-- coverage layer. Returned as four values — the 15-character h3 ids concatenated, and three
-- columns of big-endian float8 in the same order — so numpy decodes them without a Python
-- object per grid. Grids without a value carry NaN.
SELECT coalesce(string_agg(g.grid_id, ''), ''),
       coalesce(string_agg(float8send(g.samples), ''::bytea), ''::bytea),
       coalesce(string_agg(float8send(g.weak), ''::bytea), ''::bytea),
       coalesce(string_agg(float8send(g.rsrp), ''::bytea), ''::bytea)
FROM (
    SELECT grid_id, sum(samples)::float8 AS samples,
           coalesce(sum(samples * weak_share)::float8, 'NaN') AS weak,
           coalesce(sum(samples * rsrp_mean)::float8, 'NaN') AS rsrp
    FROM mr_grid
    WHERE cell_id = '' AND day >= %(first_day)s AND day <= %(last_day)s
      AND length(grid_id) = 15
    GROUP BY grid_id
) AS g
