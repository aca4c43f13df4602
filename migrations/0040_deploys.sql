-- Deploys: a release rolled out to an environment (sentry-cli `deploys new`). project_ids are
-- the projects the deploy covers (the release's projects when the CLI names none). The health
-- verdict is kept once the deploy's observation window has closed (verdict_final), so the
-- rollback target of later deploys ("last known-good release") needs no recomputation.
CREATE TABLE deploys (
  id bigserial PRIMARY KEY,
  organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  release_id bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
  environment text NOT NULL,
  name text,
  url text,
  date_started timestamptz,
  date_finished timestamptz NOT NULL DEFAULT now(),
  project_ids bigint[] NOT NULL DEFAULT '{}',
  verdict text CHECK (verdict IN ('healthy', 'suspect', 'failing')),
  verdict_at timestamptz,
  is_verdict_final boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deploys_release_id_idx ON deploys (release_id, id DESC);
CREATE INDEX deploys_org_env_idx ON deploys (organization_id, environment, date_finished DESC, id DESC);
