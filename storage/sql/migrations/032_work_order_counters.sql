-- What an order's priority counts, kept on the order as complaints are attached (the work-order
-- hook adds each batch's new links): before, every batch counted them again over all of the
-- order's complaints, and a mass event's order grows with every complaint of the event. The
-- order's complainants are a table of their own, so telling a new complainant from one the
-- order already has is one key lookup.
ALTER TABLE work_orders ADD COLUMN IF NOT EXISTS complaint_count integer NOT NULL DEFAULT 0;
ALTER TABLE work_orders ADD COLUMN IF NOT EXISTS complainant_count integer NOT NULL DEFAULT 0;
ALTER TABLE work_orders ADD COLUMN IF NOT EXISTS vip boolean NOT NULL DEFAULT false;

CREATE TABLE IF NOT EXISTS work_order_complainants (
    work_order_id text NOT NULL REFERENCES work_orders (work_order_id) ON DELETE CASCADE,
    msisdn_hash   text NOT NULL,
    PRIMARY KEY (work_order_id, msisdn_hash)
);

INSERT INTO work_order_complainants (work_order_id, msisdn_hash)
SELECT DISTINCT w.work_order_id, c.msisdn_hash
FROM work_order_complaints w JOIN complaints c USING (complaint_id)
WHERE c.msisdn_hash IS NOT NULL
ON CONFLICT DO NOTHING;

UPDATE work_orders o
SET complaint_count = a.complaints, complainant_count = a.complainants, vip = a.vip
FROM (SELECT w.work_order_id, count(*) AS complaints,
             count(DISTINCT c.msisdn_hash) AS complainants,
             coalesce(bool_or(s.vip), false) AS vip
      FROM work_order_complaints w
      JOIN complaints c USING (complaint_id)
      LEFT JOIN subscribers s ON s.msisdn_hash = c.msisdn_hash
      GROUP BY w.work_order_id) a
WHERE o.work_order_id = a.work_order_id;
