-- Code mappings: how a stack frame's path maps to a file in a repository (Sentry's
-- RepositoryProjectPathConfig): strip stack_root, prepend source_root, link at the release's
-- commit or default_branch.
CREATE TABLE code_mappings (
  id bigserial PRIMARY KEY,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  repository_id bigint NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  stack_root text NOT NULL DEFAULT '',
  source_root text NOT NULL DEFAULT '',
  default_branch text NOT NULL DEFAULT 'main',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX code_mappings_project_id_idx ON code_mappings (project_id, id);
