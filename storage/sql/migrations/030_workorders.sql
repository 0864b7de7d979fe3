-- Work orders: routing details, time-limit warnings, verification, repeat links, calendar.

ALTER TABLE work_orders ADD COLUMN IF NOT EXISTS route text;
ALTER TABLE work_orders ADD COLUMN IF NOT EXISTS affected_users integer NOT NULL DEFAULT 0;
ALTER TABLE work_orders ADD COLUMN IF NOT EXISTS repeat_count integer NOT NULL DEFAULT 0;
ALTER TABLE work_orders ADD COLUMN IF NOT EXISTS escalated_at timestamptz;
ALTER TABLE work_orders ADD COLUMN IF NOT EXISTS warn_at timestamptz;
ALTER TABLE work_orders ADD COLUMN IF NOT EXISTS progress_reported_at timestamptz;
ALTER TABLE work_orders ADD COLUMN IF NOT EXISTS overdue_warned_at timestamptz;
ALTER TABLE work_orders ADD COLUMN IF NOT EXISTS progress_warned_at timestamptz;
ALTER TABLE work_orders ADD COLUMN IF NOT EXISTS verification jsonb;

CREATE SEQUENCE IF NOT EXISTS work_order_seq;

-- one order per mass event (the root cause)
CREATE UNIQUE INDEX IF NOT EXISTS work_orders_mass_event_uq
    ON work_orders (mass_event_id) WHERE mass_event_id IS NOT NULL;
-- same cause and cell in an order not yet verified
CREATE INDEX IF NOT EXISTS work_orders_open_cells_idx
    ON work_orders USING gin (cells) WHERE status NOT IN ('verified', 'closed');
-- list pages (newest first) and the overdue / verification scans
CREATE INDEX IF NOT EXISTS work_orders_created_idx
    ON work_orders (created_at DESC, work_order_id DESC);
CREATE INDEX IF NOT EXISTS work_orders_due_idx
    ON work_orders (due_at) WHERE status IN ('new', 'dispatched', 'in_progress', 'rejected', 'reopened');
CREATE INDEX IF NOT EXISTS work_orders_resolved_idx
    ON work_orders (resolved_at) WHERE status = 'resolved';

-- repeat complaints (重复投诉): the new complaint, the earlier one on the same problem
CREATE TABLE IF NOT EXISTS complaint_repeats (
    complaint_id  text PRIMARY KEY REFERENCES complaints (complaint_id) ON DELETE CASCADE,
    repeat_of     text NOT NULL REFERENCES complaints (complaint_id) ON DELETE CASCADE,
    work_order_id text REFERENCES work_orders (work_order_id) ON DELETE SET NULL,
    action        text NOT NULL,          -- opened | escalated | reopened | back_in_progress | attached
    detected_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS complaint_repeats_of_idx ON complaint_repeats (repeat_of);

-- working calendar: holidays (working = false) and days worked in lieu (调休, working = true)
CREATE TABLE IF NOT EXISTS work_calendar (
    day     date PRIMARY KEY,
    working boolean NOT NULL,
    note    text
);
