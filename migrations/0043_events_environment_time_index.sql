-- Deploy health counts a project's events per environment over minutes-long windows before and
-- after a deploy (releases/health-queries.ts); without this index each count scans the day's
-- partition of the project.
CREATE INDEX events_project_environment_time_idx ON events (project_id, environment, timestamp);
