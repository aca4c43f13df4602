-- Issues assigned to a team (Sentry's team assignee, issue 15): auto-assignment to a `#team`
-- owner and `assignedTo: "team:<id>"`. An issue has at most one assignee, a person or a team.
ALTER TABLE issues
  ADD COLUMN assignee_team_id bigint REFERENCES teams (id) ON DELETE SET NULL,
  ADD CONSTRAINT issues_one_assignee CHECK (assignee_user_id IS NULL OR assignee_team_id IS NULL);
CREATE INDEX issues_assignee_team_id_idx ON issues (assignee_team_id) WHERE assignee_team_id IS NOT NULL;
