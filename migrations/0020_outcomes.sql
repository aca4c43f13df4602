-- Loss accounting: what became of every item that reached ingest (accepted, filtered,
-- rate_limited, invalid, internal_error) per project, hour, data category and reason. Counted in
-- Redis by ingest and the worker, moved here by the worker's outcome flush. project_id 0 holds
-- items no project could be attributed to (unknown key, missing auth), hence no foreign key.
CREATE TABLE outcome_counts (
  project_id bigint NOT NULL,
  hour timestamptz NOT NULL,
  category text NOT NULL,
  outcome text NOT NULL,
  reason text NOT NULL DEFAULT '',
  quantity bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, hour, category, outcome, reason)
);

-- One row per flushed Redis snapshot: a flush interrupted after its commit is not counted twice.
CREATE TABLE outcome_flushes (
  id text PRIMARY KEY,
  flushed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outcome_flushes_flushed_at_idx ON outcome_flushes (flushed_at);
