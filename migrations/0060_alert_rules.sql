-- Alert rules per project: when to alert (conditions, filters) and whom (actions). Conditions,
-- filters and actions are validated JSON arrays (see server/src/alerts/rule-schema.ts).
CREATE TABLE alert_rules (
  id bigserial PRIMARY KEY,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name text NOT NULL,
  environment text,
  condition_match text NOT NULL DEFAULT 'any' CHECK (condition_match IN ('any', 'all')),
  conditions jsonb NOT NULL DEFAULT '[]',
  filters jsonb NOT NULL DEFAULT '[]',
  actions jsonb NOT NULL DEFAULT '[]',
  frequency_minutes int NOT NULL DEFAULT 30 CHECK (frequency_minutes BETWEEN 1 AND 43200),
  is_enabled boolean NOT NULL DEFAULT true,
  created_by bigint REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_rules_project_id_idx ON alert_rules (project_id, id);
