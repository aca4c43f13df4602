-- User feedback: `feedback` envelope items (a `contexts.feedback` event), `user_report` items,
-- the user-feedback API and the embed endpoint. Linked to the event it is about and, once that
-- event is stored, to its issue. One row per (project, feedback id): a resent report replaces it.
CREATE TABLE user_feedback (
  id bigserial PRIMARY KEY,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  feedback_id uuid NOT NULL,
  event_id uuid,
  issue_id bigint REFERENCES issues (id) ON DELETE SET NULL,
  name text NOT NULL DEFAULT '',
  email text NOT NULL DEFAULT '',
  comments text NOT NULL,
  url text,
  source text NOT NULL,
  environment text,
  release text,
  created_at timestamptz NOT NULL,
  UNIQUE (project_id, feedback_id)
);
CREATE INDEX user_feedback_project_idx ON user_feedback (project_id, created_at DESC, id DESC);
CREATE INDEX user_feedback_issue_idx ON user_feedback (issue_id, created_at DESC, id DESC);
-- Feedback that arrived before its event: linked when read (bounded by this index).
CREATE INDEX user_feedback_unlinked_idx ON user_feedback (project_id, created_at) WHERE issue_id IS NULL AND event_id IS NOT NULL;
