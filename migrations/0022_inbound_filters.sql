-- Inbound filter settings per project (ingest/src/filters/settings.ts InboundFilterSettings):
-- {"localhost": true, "legacyBrowsers": ["ie"], "errorMessages": ["*ResizeObserver*"], ...}.
ALTER TABLE projects ADD COLUMN inbound_filters jsonb NOT NULL DEFAULT '{}';
