-- Alert history and the delivery outbox. History answers "why did (or didn't) this alert
-- fire?": one row per firing, per suppression (action interval) and per delivery attempt.
-- Deliveries are what the send-alert queue works off; emails to one address share a digest key.
CREATE TABLE alert_history (
  id bigserial PRIMARY KEY,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  rule_id bigint REFERENCES alert_rules (id) ON DELETE SET NULL,
  rule_name text NOT NULL DEFAULT '',
  issue_id bigint REFERENCES issues (id) ON DELETE SET NULL,
  event_id text,
  deploy_id text,
  delivery_id bigint,
  kind text NOT NULL CHECK (kind IN ('fired', 'suppressed', 'delivery')),
  status text NOT NULL CHECK (status IN ('fired', 'suppressed', 'sent', 'retried', 'failed', 'skipped')),
  channel text,
  target text,
  attempt int,
  message text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_history_project_idx ON alert_history (project_id, id DESC);
CREATE INDEX alert_history_rule_idx ON alert_history (rule_id, id DESC);

CREATE TABLE alert_deliveries (
  id bigserial PRIMARY KEY,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  fired_id bigint NOT NULL REFERENCES alert_history (id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('email', 'webhook', 'slack')),
  target text NOT NULL,
  digest_key text,
  secret text,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
  attempts int NOT NULL DEFAULT 0,
  claimed_by text,
  last_error text,
  alert jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX alert_deliveries_pending_idx ON alert_deliveries (digest_key, id) WHERE status = 'pending';
