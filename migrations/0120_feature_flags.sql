-- Feature flags (issue 20): flag evaluations counted per issue and per project, the
-- organization's change-tracking webhook secrets, and the audit log of flag changes.

-- flag → result → count per issue, as issue_tag_values is for tags.
CREATE TABLE issue_flag_values (
  issue_id bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  flag text NOT NULL,
  result text NOT NULL,
  count bigint NOT NULL DEFAULT 0,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  PRIMARY KEY (issue_id, flag, result)
);

-- The project's baseline: events per flag result and hour (issue page, suspect flags).
CREATE TABLE project_flag_hours (
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  flag text NOT NULL,
  result text NOT NULL,
  hour timestamptz NOT NULL,
  event_count bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, flag, result, hour)
);

-- Minute resolution around flag changes (the flag-change verdict); kept for a few days.
CREATE TABLE project_flag_minutes (
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  flag text NOT NULL,
  result text NOT NULL,
  minute timestamptz NOT NULL,
  event_count int NOT NULL DEFAULT 0,
  new_issue_count int NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, flag, result, minute)
);
CREATE INDEX project_flag_minutes_minute_idx ON project_flag_minutes (minute);

-- All events (with or without flags) per project and minute: the verdict's overall windows.
CREATE TABLE project_event_minutes (
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  minute timestamptz NOT NULL,
  event_count int NOT NULL DEFAULT 0,
  new_issue_count int NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, minute)
);
CREATE INDEX project_event_minutes_minute_idx ON project_event_minutes (minute);

-- One signing secret per organization and provider (Sentry: "one webhook secret per provider type").
CREATE TABLE flag_signing_secrets (
  id bigserial PRIMARY KEY,
  organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  provider text NOT NULL,
  secret text NOT NULL,
  created_by bigint REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, provider)
);

CREATE TABLE flag_audit_logs (
  id bigserial PRIMARY KEY,
  organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  provider text NOT NULL,
  change_id text,
  flag text NOT NULL,
  action text NOT NULL CHECK (action IN ('created', 'updated', 'deleted')),
  created_by text NOT NULL,
  created_by_type text NOT NULL CHECK (created_by_type IN ('email', 'id', 'name')),
  created_at timestamptz NOT NULL,
  tags jsonb NOT NULL DEFAULT '{}',
  received_at timestamptz NOT NULL DEFAULT now(),
  verdict text,
  is_verdict_final boolean NOT NULL DEFAULT false
);
-- A provider re-sending the same change (same change_id) is stored once.
CREATE UNIQUE INDEX flag_audit_logs_change_idx ON flag_audit_logs (organization_id, provider, change_id) WHERE change_id IS NOT NULL;
CREATE INDEX flag_audit_logs_org_time_idx ON flag_audit_logs (organization_id, created_at DESC, id DESC);
