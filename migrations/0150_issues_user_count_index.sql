-- The issue list sorted by users (sort=user) read and sorted every unresolved issue of the
-- project for a page of 25; like the other sorts it now walks an index in order. The counters'
-- update already changes an indexed column (event_count), so this adds no lost HOT updates.
CREATE INDEX issues_project_user_count_idx ON issues (project_id, status, user_count DESC, id DESC);
