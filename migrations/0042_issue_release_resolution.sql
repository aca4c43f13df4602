-- Release-aware resolution (Sentry's GroupResolution). "Resolved in release X" keeps X in the
-- existing issues.resolved_in_release; "resolved in the next release" sets
-- resolved_in_next_release and remembers the newest release at resolve time in
-- resolved_after_release: only events from a later release reopen the issue
-- (releases/regressions.ts). A plain resolve leaves all three empty.
ALTER TABLE issues
  ADD COLUMN resolved_in_next_release boolean NOT NULL DEFAULT false,
  ADD COLUMN resolved_after_release text;
