-- Event quotas per project and per organization (events per minute / per hour). NULL: the
-- PROJECT_QUOTA_* / ORG_QUOTA_* defaults apply (none unless configured); 0: no quota.
ALTER TABLE projects
  ADD COLUMN quota_events_per_minute int CHECK (quota_events_per_minute >= 0),
  ADD COLUMN quota_events_per_hour int CHECK (quota_events_per_hour >= 0);
ALTER TABLE organizations
  ADD COLUMN quota_events_per_minute int CHECK (quota_events_per_minute >= 0),
  ADD COLUMN quota_events_per_hour int CHECK (quota_events_per_hour >= 0);
