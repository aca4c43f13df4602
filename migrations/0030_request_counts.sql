-- Requests served, from the SDK's `faultline_counter` items (UDP or HTTP), per project,
-- environment, minute, host and release: the denominator of error rates in deploy health.
-- Minutes because deploy-health windows are minutes long; unknown host/release/environment is ''.
CREATE TABLE request_counts (
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  environment text NOT NULL DEFAULT '',
  minute timestamptz NOT NULL,
  server_name text NOT NULL DEFAULT '',
  release text NOT NULL DEFAULT '',
  requests bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, environment, minute, server_name, release)
);
