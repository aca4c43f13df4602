-- Leases for the periodic jobs one process at a time may run (retention, the monitor tick).
-- They replace session advisory locks, which PgBouncer in transaction mode cannot keep: a lease
-- is a row, taken and given back in single statements, and expires if its holder dies.
CREATE TABLE schedule_leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  held_until timestamptz NOT NULL
);
