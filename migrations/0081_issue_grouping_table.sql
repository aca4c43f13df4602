-- The grouping explanation of an issue ("why grouped", ~1.3 KB) moves out of `issues`. Every
-- worker batch updates its issues' counters and last_seen, and each update wrote a new version of
-- the whole row, explanation included: measured 1.6 KB per issue update, which made `issues` the
-- second largest table under load. The explanation is written once and read by the issue page.
CREATE TABLE issue_grouping (
  issue_id bigint PRIMARY KEY REFERENCES issues (id) ON DELETE CASCADE,
  grouping jsonb NOT NULL
);
INSERT INTO issue_grouping (issue_id, grouping) SELECT id, grouping FROM issues WHERE grouping <> '{}'::jsonb;
ALTER TABLE issues DROP COLUMN grouping;
