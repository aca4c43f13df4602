-- Event payloads are stored compressed by the worker (server/src/events/payload-codec.ts: a
-- format byte, then deflate with a preset dictionary): about 1.8 KB per typical event instead of
-- ~3.3 KB of TOAST-compressed jsonb, and no jsonb parsing on insert. EXTERNAL: the bytes are
-- compressed already, Postgres moves them out of line without trying again. Rows written before
-- keep their jsonb payload until retention drops them.
ALTER TABLE events ADD COLUMN payload_z bytea;
ALTER TABLE events ALTER COLUMN payload_z SET STORAGE EXTERNAL;
ALTER TABLE events ALTER COLUMN payload DROP NOT NULL;
