-- Artifact bundles expire like Sentry's: kept while they are used. The worker renews last_used_at
-- (at most hourly per bundle) when a bundle resolves a frame; retention deletes bundles neither
-- uploaded nor used within RETENTION_DAYS, with their files (cascade).
ALTER TABLE artifact_bundles ADD COLUMN last_used_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX artifact_bundles_last_used_at_idx ON artifact_bundles (last_used_at);
