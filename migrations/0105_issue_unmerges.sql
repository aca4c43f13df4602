-- Unmerge (Sentry's PUT /issues/{id}/hashes/?id=HASH): the hashes move to a new issue at once and
-- their stored events follow in background batches. An event belongs to the issue of its primary
-- hash (its first grouping hash, what the pipeline looks up first), so events record it; rows
-- stored before this migration have NULL and are read from their payload's `hashes` instead.
ALTER TABLE events ADD COLUMN primary_hash text;

CREATE TABLE issue_unmerges (
  id bigserial PRIMARY KEY,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  source_issue_id bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  destination_issue_id bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  hashes text[] NOT NULL,
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done')),
  actor_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
  -- progress: the source's stored events when it started, how many were scanned and moved
  event_total bigint NOT NULL DEFAULT 0,
  scanned_count bigint NOT NULL DEFAULT 0,
  moved_count bigint NOT NULL DEFAULT 0,
  -- keyset cursor over the source's events (timestamp, event_id), ascending
  cursor_timestamp timestamptz,
  cursor_event_id uuid,
  -- what the moved events touched that may need the source's bounds recomputed at the end
  moved_first_seen timestamptz,
  moved_last_seen timestamptz,
  moved_releases text[] NOT NULL DEFAULT '{}',
  boundary_tags jsonb NOT NULL DEFAULT '[]',
  -- one runner at a time: a runner holds the lease and renews it every batch
  lease_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX issue_unmerges_source_idx ON issue_unmerges (source_issue_id, created_at DESC);
CREATE INDEX issue_unmerges_destination_idx ON issue_unmerges (destination_issue_id);
CREATE INDEX issue_unmerges_running_idx ON issue_unmerges (id) WHERE status = 'running';
