-- Unmerge moves feature-flag evaluations (issue_flag_values) as it moves tag values: the source's
-- flag results whose first or last sighting was a moved event, recomputed when the unmerge finishes
-- (as boundary_tags are for tag values).
ALTER TABLE issue_unmerges ADD COLUMN boundary_flags jsonb NOT NULL DEFAULT '[]';
