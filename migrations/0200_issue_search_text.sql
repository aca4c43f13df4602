-- Free text in the issue search (`DbErrorV123`) is a substring of an issue's title or culprit
-- (ILIKE '%…%'), which no btree serves: every search read and lower-cased every issue of the
-- project, twice (the page and the X-Hits count) — ~190 ms at 11,500 issues (docs/scaling.md).
-- A trigram index answers it, but not one on `issues`: every batch updates its issues' counters
-- and those updates are not HOT (event_count is indexed), so a trigram index there would take
-- ~40 new entries per title on every counter update. The titles live here instead, one row per
-- issue, written only when an issue is created or its title, culprit or project changes (the
-- triggers below; the pipeline sets the newest event's title, usually the same one).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE issue_search_text (
  issue_id bigint PRIMARY KEY REFERENCES issues (id) ON DELETE CASCADE,
  project_id bigint NOT NULL,
  title text NOT NULL,
  culprit text NOT NULL
);

INSERT INTO issue_search_text (issue_id, project_id, title, culprit)
SELECT id, project_id, title, culprit FROM issues;

CREATE INDEX issue_search_text_title_trgm_idx ON issue_search_text USING gin (title gin_trgm_ops);
CREATE INDEX issue_search_text_culprit_trgm_idx ON issue_search_text USING gin (culprit gin_trgm_ops);

CREATE FUNCTION issue_search_text_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO issue_search_text (issue_id, project_id, title, culprit)
  VALUES (NEW.id, NEW.project_id, NEW.title, NEW.culprit)
  ON CONFLICT (issue_id) DO UPDATE
    SET project_id = EXCLUDED.project_id, title = EXCLUDED.title, culprit = EXCLUDED.culprit;
  RETURN NULL;
END
$$;

CREATE TRIGGER issues_search_text_insert AFTER INSERT ON issues
  FOR EACH ROW EXECUTE FUNCTION issue_search_text_sync();

CREATE TRIGGER issues_search_text_update AFTER UPDATE OF title, culprit, project_id ON issues
  FOR EACH ROW
  WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.culprit IS DISTINCT FROM NEW.culprit
        OR OLD.project_id IS DISTINCT FROM NEW.project_id)
  EXECUTE FUNCTION issue_search_text_sync();
