-- A diagnosis's mass event and work order live in columns and are merged into its JSON on read
-- (diagnostics/reads.py, geo/sql/map_complaint.sql). Both are decided under the global lock that
-- serialises every batch (mass events, the work-order hook), after the JSON (~10 KB, TOASTed) is
-- written: the lock then sets two short columns, and only where there is an id, instead of
-- rewriting the JSON of every diagnosis. Diagnoses stored before keep the ids in their JSON too
-- (the columns win on read): taking them out would rewrite every TOASTed JSON in one transaction.
ALTER TABLE diagnoses ADD COLUMN IF NOT EXISTS work_order_id text;
UPDATE diagnoses SET work_order_id = result->>'work_order_id'
WHERE work_order_id IS NULL AND result->>'work_order_id' IS NOT NULL;
