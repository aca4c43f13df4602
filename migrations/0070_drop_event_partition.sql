-- Retention drops whole daily partitions of events (server/src/retention/). The function only
-- drops tables that are partitions of events named events_YYYYMMDD, so a caller can never drop
-- anything else; it answers whether it dropped one.
CREATE FUNCTION drop_event_partition(partition_name text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF partition_name !~ '^events_[0-9]{8}$' OR NOT EXISTS (
    SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'events'::regclass AND c.relname = partition_name
  ) THEN
    RETURN false;
  END IF;
  EXECUTE format('DROP TABLE %I', partition_name);
  RETURN true;
END $$;
