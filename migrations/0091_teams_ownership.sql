-- Teams (named groups of organization members, owners as `#slug` in ownership rules) and the
-- ownership rules of a project in Sentry's text syntax (server/src/ownership/rules.ts), with
-- Sentry's fallthrough and autoAssignment settings.
CREATE TABLE teams (
  id bigserial PRIMARY KEY,
  organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  slug text NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, slug)
);

CREATE TABLE team_members (
  team_id bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_id_idx ON team_members (user_id);

CREATE TABLE project_ownership (
  project_id bigint PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
  raw text NOT NULL DEFAULT '',
  fallthrough boolean NOT NULL DEFAULT true,
  auto_assignment text NOT NULL DEFAULT 'Auto Assign to Issue Owner'
    CHECK (auto_assignment IN ('Auto Assign to Issue Owner', 'Auto Assign to Suspect Commits', 'Turn off Auto-Assignment')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
