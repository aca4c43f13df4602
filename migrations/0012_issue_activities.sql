-- The issue's activity log (status changes, assignment), newest first in the API.
-- kind follows Sentry's activity types: set_resolved, set_unresolved, set_ignored,
-- set_resolved_in_release, assigned, unassigned.
CREATE TABLE issue_activities (
  id bigserial PRIMARY KEY,
  issue_id bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  user_id bigint REFERENCES users (id) ON DELETE SET NULL,
  kind text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX issue_activities_issue_id_idx ON issue_activities (issue_id, created_at DESC);
