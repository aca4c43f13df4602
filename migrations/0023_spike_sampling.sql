-- Spike protection: events of a flooding issue that were counted but not stored. The rows make
-- counting idempotent (a re-delivered event is recognised) and are pruned after a day; the
-- per-issue totals stay in issue_sampling, which the API shows next to the exact counts.
CREATE TABLE sampled_events (
  project_id bigint NOT NULL,
  event_id uuid NOT NULL,
  issue_id bigint NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (project_id, event_id)
);
CREATE INDEX sampled_events_received_at_idx ON sampled_events (received_at);

CREATE TABLE issue_sampling (
  issue_id bigint PRIMARY KEY REFERENCES issues (id) ON DELETE CASCADE,
  sampled_count bigint NOT NULL DEFAULT 0,
  first_sampled_at timestamptz NOT NULL,
  last_sampled_at timestamptz NOT NULL
);
