-- Merging an order away moves its repeat links to the order that stays, then deletes it (whose
-- foreign key sets the links' order to null): both find the links by order, which without this
-- index meant reading every repeat link there is.
CREATE INDEX IF NOT EXISTS complaint_repeats_order_idx ON complaint_repeats (work_order_id)
    WHERE work_order_id IS NOT NULL;
