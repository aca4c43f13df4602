-- SSO users the role mapping gave no membership ask to join the default organization; an
-- owner or admin accepts (choosing the role) or declines. One pending request per user and org.
CREATE TABLE organization_access_requests (
  organization_id bigint NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, user_id)
);
