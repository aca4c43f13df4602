-- Sentry's "Allowed Domains" of a project: browser events whose Origin (else Referer) matches
-- none of these patterns are refused with 403 (reason Cors). '*' (the default) allows every origin.
ALTER TABLE projects ADD COLUMN allowed_domains text[] NOT NULL DEFAULT '{*}';
