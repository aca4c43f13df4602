-- Core data model: organizations, people, projects and keys, issues, events and their counters.

CREATE TABLE organizations (
  id bigserial PRIMARY KEY,
  slug text NOT NULL UNIQUE,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id bigserial PRIMARY KEY,
  email text NOT NULL,
  name text NOT NULL DEFAULT '',
  password_hash text,
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE memberships (
  organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX memberships_user_id_idx ON memberships (user_id);

-- Personal API tokens; only the SHA-256 of the token is stored.
CREATE TABLE api_tokens (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL DEFAULT '',
  token_hash text NOT NULL UNIQUE,
  token_hint text NOT NULL DEFAULT '',
  scopes text[] NOT NULL DEFAULT '{}',
  last_used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

CREATE TABLE projects (
  id bigserial PRIMARY KEY,
  organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  slug text NOT NULL,
  name text NOT NULL,
  platform text,
  short_id_prefix text NOT NULL,
  next_short_id bigint NOT NULL DEFAULT 1,
  settings jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, slug)
);

-- DSN keys. public_key is 32 lowercase hex characters (what every SDK's DSN parser accepts).
CREATE TABLE project_keys (
  id bigserial PRIMARY KEY,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  public_key text NOT NULL UNIQUE CHECK (public_key ~ '^[0-9a-f]{32}$'),
  secret_key text NOT NULL CHECK (secret_key ~ '^[0-9a-f]{32}$'),
  label text NOT NULL DEFAULT 'Default',
  is_active boolean NOT NULL DEFAULT true,
  rate_limit_count int,
  rate_limit_window int,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_keys_project_id_idx ON project_keys (project_id);

-- Issues (Sentry's "groups"). short_id is per project: prefix || '-' || short_id, e.g. WEB-12.
CREATE TABLE issues (
  id bigserial PRIMARY KEY,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  short_id bigint NOT NULL,
  title text NOT NULL,
  culprit text NOT NULL DEFAULT '',
  type text NOT NULL DEFAULT 'error',
  level text NOT NULL DEFAULT 'error',
  platform text NOT NULL DEFAULT 'other',
  status text NOT NULL DEFAULT 'unresolved' CHECK (status IN ('unresolved', 'resolved', 'ignored')),
  substatus text,
  metadata jsonb NOT NULL DEFAULT '{}',
  grouping jsonb NOT NULL DEFAULT '{}',
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  event_count bigint NOT NULL DEFAULT 0,
  user_count bigint NOT NULL DEFAULT 0,
  first_release text,
  last_release text,
  resolved_at timestamptz,
  resolved_in_release text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project_id, short_id)
);
CREATE INDEX issues_project_last_seen_idx ON issues (project_id, status, last_seen DESC, id DESC);
CREATE INDEX issues_project_first_seen_idx ON issues (project_id, status, first_seen DESC, id DESC);
CREATE INDEX issues_project_event_count_idx ON issues (project_id, status, event_count DESC, id DESC);

-- Several hashes may point at one issue (app and system variants, merges).
CREATE TABLE issue_hashes (
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  hash text NOT NULL,
  issue_id bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, hash)
);
CREATE INDEX issue_hashes_issue_id_idx ON issue_hashes (issue_id);

-- Events, range-partitioned by the event's own (clamped) timestamp, so a re-delivered event lands
-- on the same row (idempotency) and retention drops whole partitions.
CREATE TABLE events (
  project_id bigint NOT NULL,
  event_id uuid NOT NULL,
  timestamp timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  issue_id bigint NOT NULL,
  level text NOT NULL,
  release text,
  environment text,
  server_name text,
  user_key text,
  title text NOT NULL,
  payload jsonb NOT NULL,
  PRIMARY KEY (project_id, event_id, timestamp)
) PARTITION BY RANGE (timestamp);
CREATE INDEX events_issue_idx ON events (issue_id, timestamp DESC);

-- Creates the daily partitions of events covering [from_day, to_day].
CREATE FUNCTION ensure_event_partitions(from_day date, to_day date) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
  d date := from_day;
  created int := 0;
  name text;
BEGIN
  WHILE d <= to_day LOOP
    name := 'events_' || to_char(d, 'YYYYMMDD');
    IF to_regclass(name) IS NULL THEN
      EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
        name, d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
      created := created + 1;
    END IF;
    d := d + 1;
  END LOOP;
  RETURN created;
END $$;

CREATE TABLE issue_hourly_counts (
  issue_id bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  hour timestamptz NOT NULL,
  count bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (issue_id, hour)
);

CREATE TABLE issue_tag_values (
  issue_id bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
  key text NOT NULL,
  value text NOT NULL,
  count bigint NOT NULL DEFAULT 0,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  PRIMARY KEY (issue_id, key, value)
);

CREATE TABLE releases (
  id bigserial PRIMARY KEY,
  organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  version text NOT NULL,
  url text,
  date_released timestamptz,
  date_started timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, version)
);

CREATE TABLE release_projects (
  release_id bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  first_event_at timestamptz,
  last_event_at timestamptz,
  new_issue_count bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (release_id, project_id)
);

CREATE TABLE environments (
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name text NOT NULL,
  first_seen timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, name)
);

-- Release health inputs: session updates and aggregates, counted per project, release,
-- environment, hour and status.
CREATE TABLE session_counts (
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  release text NOT NULL DEFAULT '',
  environment text NOT NULL DEFAULT '',
  hour timestamptz NOT NULL,
  status text NOT NULL,
  count bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, release, environment, hour, status)
);

-- What SDKs report they dropped (client reports), per project, hour, reason and category.
CREATE TABLE client_report_counts (
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  hour timestamptz NOT NULL,
  reason text NOT NULL,
  category text NOT NULL,
  quantity bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, hour, reason, category)
);
