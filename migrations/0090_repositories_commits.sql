-- Commits per release, as sentry-cli `releases set-commits` sends them (--local: commits with
-- their changed files; --auto/--commit: refs naming a head commit of a known repository).
-- Repositories are per organization (name + web URL), created through the API or, as in
-- Sentry, by name when a commit names one that does not exist yet. release_commits.position
-- is the order the CLI sent (0 = newest, the release's head commit).
CREATE TABLE repositories (
  id bigserial PRIMARY KEY,
  organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  url text,
  provider text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, name)
);

CREATE TABLE commits (
  id bigserial PRIMARY KEY,
  repository_id bigint NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  sha text NOT NULL,
  message text,
  author_name text,
  author_email text,
  date_committed timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (repository_id, sha)
);

CREATE TABLE commit_files (
  commit_id bigint NOT NULL REFERENCES commits (id) ON DELETE CASCADE,
  path text NOT NULL,
  type text NOT NULL CHECK (type IN ('A', 'M', 'D')),
  PRIMARY KEY (commit_id, path)
);

CREATE TABLE release_commits (
  release_id bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
  commit_id bigint NOT NULL REFERENCES commits (id) ON DELETE CASCADE,
  position int NOT NULL,
  PRIMARY KEY (release_id, commit_id)
);
CREATE INDEX release_commits_position_idx ON release_commits (release_id, position);
