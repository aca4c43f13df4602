-- Invitations to join an organization by link. Only the SHA-256 of the link's token is stored;
-- an invitation is used once (accepted_at), can be revoked, and expires.
CREATE TABLE organization_invitations (
  id bigserial PRIMARY KEY,
  organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  email text,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  token_hash text NOT NULL UNIQUE,
  invited_by_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
  expires_at timestamptz NOT NULL,
  accepted_at timestamptz,
  accepted_by_user_id bigint REFERENCES users (id) ON DELETE SET NULL,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organization_invitations_pending_idx ON organization_invitations (organization_id, created_at DESC)
  WHERE accepted_at IS NULL AND revoked_at IS NULL;
