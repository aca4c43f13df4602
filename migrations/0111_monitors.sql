-- Cron monitors (Sentry "crons"): a monitor per (organization, slug), owned by one project;
-- its state per environment (when the next check-in is due); and the check-ins themselves,
-- the SDK's (in_progress, ok, error) and the scheduler's (missed, timeout).
CREATE TABLE monitors (
  id bigserial PRIMARY KEY,
  organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  slug text NOT NULL,
  name text NOT NULL,
  schedule_type text NOT NULL CHECK (schedule_type IN ('crontab', 'interval')),
  schedule text NOT NULL,
  schedule_unit text CHECK (schedule_unit IN ('minute', 'hour', 'day', 'week', 'month', 'year')),
  timezone text NOT NULL DEFAULT 'UTC',
  checkin_margin_minutes int NOT NULL DEFAULT 1,
  max_runtime_minutes int NOT NULL DEFAULT 30,
  failure_issue_threshold int NOT NULL DEFAULT 1,
  recovery_threshold int NOT NULL DEFAULT 1,
  is_muted boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, slug)
);
CREATE INDEX monitors_project_idx ON monitors (project_id);

CREATE TABLE monitor_environments (
  id bigserial PRIMARY KEY,
  monitor_id bigint NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
  environment text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ok', 'error')),
  last_checkin_at timestamptz,
  next_checkin_at timestamptz,
  next_checkin_latest timestamptz,
  is_failing boolean NOT NULL DEFAULT false,
  last_failure_event_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (monitor_id, environment)
);
CREATE INDEX monitor_environments_due_idx ON monitor_environments (next_checkin_latest);

CREATE TABLE monitor_checkins (
  id bigserial PRIMARY KEY,
  check_in_id uuid NOT NULL,
  monitor_id bigint NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
  monitor_environment_id bigint NOT NULL REFERENCES monitor_environments (id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('in_progress', 'ok', 'error', 'missed', 'timeout')),
  duration_ms bigint,
  expected_at timestamptz,
  timeout_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (monitor_id, check_in_id)
);
CREATE INDEX monitor_checkins_env_idx ON monitor_checkins (monitor_environment_id, created_at DESC, id DESC);
CREATE INDEX monitor_checkins_timeout_idx ON monitor_checkins (timeout_at) WHERE status = 'in_progress';
