-- Source maps uploaded by sentry-cli (chunk upload + artifact-bundle assemble, protocol §8.3).
-- Files live in Postgres rather than on disk: api and worker roles share nothing but the
-- database, backups and retention cover them, a bundle becomes visible atomically with its
-- index rows, and TOAST compresses the (text) contents.
--
-- upload_chunks: content-addressed pieces of a bundle, kept until the bundle is assembled.
CREATE TABLE upload_chunks (
  organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{40}$'),
  data bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, checksum)
);
CREATE INDEX upload_chunks_created_at_idx ON upload_chunks (created_at);

-- One row per assembled bundle file (checksum = SHA-1 of the whole bundle as the CLI built it).
CREATE TABLE artifact_bundles (
  id bigserial PRIMARY KEY,
  organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{40}$'),
  bundle_debug_id uuid,
  file_count int NOT NULL,
  size_bytes bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, checksum)
);

CREATE TABLE artifact_bundle_projects (
  bundle_id bigint NOT NULL REFERENCES artifact_bundles (id) ON DELETE CASCADE,
  project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  PRIMARY KEY (bundle_id, project_id)
);
CREATE INDEX artifact_bundle_projects_project_id_idx ON artifact_bundle_projects (project_id);

-- Release (+ dist, '' for none) a bundle was uploaded for: the fallback for frames without a
-- debug id matches the event's release and dist here, then the frame URL in artifact_files.
CREATE TABLE artifact_bundle_releases (
  bundle_id bigint NOT NULL REFERENCES artifact_bundles (id) ON DELETE CASCADE,
  organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  release text NOT NULL,
  dist text NOT NULL DEFAULT '',
  PRIMARY KEY (bundle_id, release, dist)
);
CREATE INDEX artifact_bundle_releases_release_idx ON artifact_bundle_releases (organization_id, release, dist);

-- The files of a bundle. url is the manifest's (`~/static/js/main.js` = any host); sourcemap is
-- the `sourcemap` header (the map's URL relative to url); debug_id the `debug-id` header.
CREATE TABLE artifact_files (
  id bigserial PRIMARY KEY,
  bundle_id bigint NOT NULL REFERENCES artifact_bundles (id) ON DELETE CASCADE,
  url text NOT NULL,
  type text NOT NULL,
  debug_id uuid,
  sourcemap text,
  sha1 text NOT NULL,
  size_bytes bigint NOT NULL,
  content bytea NOT NULL
);
CREATE INDEX artifact_files_bundle_id_idx ON artifact_files (bundle_id);
CREATE INDEX artifact_files_debug_id_idx ON artifact_files (debug_id) WHERE debug_id IS NOT NULL;
CREATE INDEX artifact_files_url_idx ON artifact_files (url);
