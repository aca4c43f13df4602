-- On-call schedules: one per project, an ordered rotation of users handing off at a local time
-- in a time zone, plus overrides (someone else covers a date range).
CREATE TABLE oncall_schedules (
  project_id bigint PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
  member_ids bigint[] NOT NULL DEFAULT '{}',
  rotation_length int NOT NULL CHECK (rotation_length BETWEEN 1 AND 366),
  rotation_unit text NOT NULL CHECK (rotation_unit IN ('days', 'weeks')),
  handoff_time text NOT NULL CHECK (handoff_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  time_zone text NOT NULL,
  start_date date NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE oncall_overrides (
  id bigserial PRIMARY KEY,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at)
);
CREATE INDEX oncall_overrides_project_idx ON oncall_overrides (project_id, ends_at);
