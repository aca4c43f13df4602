-- Triage state the API writes: Sentry's statusDetails as sent/derived (ignoreDuration,
-- inNextRelease, actor...), the conditions the worker checks to un-ignore an issue, and the
-- assignee. ignore_until: un-ignore after this time. ignore_count / ignore_user_count: absolute
-- event_count / user_count at which the issue escalates (value at ignore time + the N asked for).
ALTER TABLE issues
  ADD COLUMN status_details jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN ignore_until timestamptz,
  ADD COLUMN ignore_count bigint,
  ADD COLUMN ignore_user_count bigint,
  ADD COLUMN assignee_user_id bigint REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX issues_assignee_user_id_idx ON issues (assignee_user_id) WHERE assignee_user_id IS NOT NULL;
