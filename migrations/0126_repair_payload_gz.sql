-- Repair for databases migrated while 0080 still added `payload_gz` (gzip bytes): 0080 was later
-- edited in place to add `payload_z` (format byte + deflate) instead, so such a database has the
-- old column and lacks the new one. Rename it; the reader tells gzip (0x1f 0x8b) from format 1.
-- Where both columns exist (a repair by hand), copy what only the old one holds, then drop it.
DO $$
DECLARE
  has_gz boolean := EXISTS (SELECT 1 FROM information_schema.columns
                             WHERE table_schema = current_schema() AND table_name = 'events' AND column_name = 'payload_gz');
  has_z boolean := EXISTS (SELECT 1 FROM information_schema.columns
                            WHERE table_schema = current_schema() AND table_name = 'events' AND column_name = 'payload_z');
BEGIN
  IF has_gz AND NOT has_z THEN
    ALTER TABLE events RENAME COLUMN payload_gz TO payload_z;
  ELSIF has_gz AND has_z THEN
    UPDATE events SET payload_z = payload_gz WHERE payload_z IS NULL AND payload_gz IS NOT NULL;
    ALTER TABLE events DROP COLUMN payload_gz;
  END IF;
END $$;
