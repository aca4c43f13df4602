-- Issues merged away leave a redirect to the issue they were merged into: links to the old issue
-- (alert emails, the live stream, bookmarks) keep working, as in Sentry (GroupRedirect).
CREATE TABLE issue_redirects (
  previous_issue_id bigint PRIMARY KEY,
  issue_id bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX issue_redirects_issue_id_idx ON issue_redirects (issue_id);
