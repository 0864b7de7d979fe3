-- The GIN indexes the diagnosis path probes for every complaint (unassigned diagnoses by cell for
-- mass events, open orders by cell for the work-order hook) are written as often as they are read.
-- With fastupdate, new entries wait in a pending list that every probe scans in full until a
-- vacuum merges it: under 300 complaints/s the mass-event candidates read took 7.6 ms a batch,
-- and 0.6 ms with the entries put in place on insert.
ALTER INDEX diagnoses_unassigned_cells SET (fastupdate = off);
ALTER INDEX work_orders_open_cells_idx SET (fastupdate = off);
