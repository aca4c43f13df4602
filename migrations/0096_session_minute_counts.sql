-- Release health at minute resolution, for the deploy verdict (its windows are minutes long):
-- the same counts as session_counts, bucketed by the minute the session started in. Retention deletes
-- rows older than RETENTION_DAYS, as it does request_counts.
CREATE TABLE session_minute_counts (
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  release text NOT NULL DEFAULT '',
  environment text NOT NULL DEFAULT '',
  minute timestamptz NOT NULL,
  status text NOT NULL,
  count bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, environment, minute, release, status)
);

CREATE INDEX session_minute_counts_minute_idx ON session_minute_counts (minute);
