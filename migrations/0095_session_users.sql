-- Release health: distinct users (the session's `did`) per project, release, environment and
-- hour the session started in, with the worst session status each reached (status ladder rank:
-- 0 ok, 1 exited, 2 errored, 3 unhandled, 4 abnormal, 5 crashed). Exact distinct counts over any
-- range of hours; crash-free users are those whose rank stayed below 5.
CREATE TABLE session_users (
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  release text NOT NULL,
  environment text NOT NULL DEFAULT '',
  hour timestamptz NOT NULL,
  did text NOT NULL,
  status_rank smallint NOT NULL,
  PRIMARY KEY (project_id, release, environment, hour, did)
);

CREATE INDEX session_users_project_hour_idx ON session_users (project_id, hour);
