-- Coverage summary of the given grids over [first_day, last_day]: sample-weighted means.
SELECT grid_id,
       sum(samples)::float8                                               AS samples,
       sum(samples * rsrp_mean) / nullif(sum(samples) FILTER (WHERE rsrp_mean IS NOT NULL), 0)
                                                                          AS rsrp_mean,
       sum(samples * weak_share) / nullif(sum(samples) FILTER (WHERE weak_share IS NOT NULL), 0)
                                                                          AS weak_share,
       sum(samples * poor_sinr_share)
           / nullif(sum(samples) FILTER (WHERE poor_sinr_share IS NOT NULL), 0)
                                                                          AS poor_sinr_share
FROM mr_grid
WHERE cell_id = '' AND day >= %(first_day)s AND day <= %(last_day)s
  AND grid_id = ANY(%(grids)s)
GROUP BY grid_id
