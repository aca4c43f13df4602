-- Single sign-on (OpenID Connect): which provider account (issuer + subject) signs in as which
-- user. A user is linked once, on their first SSO login (just-in-time or by verified e-mail).
-- user_sessions.id_token keeps the ID token of an SSO login, sent back as id_token_hint when the
-- session ends so the provider can end its own session too (RP-initiated logout).
CREATE TABLE user_identities (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  issuer text NOT NULL,
  subject text NOT NULL,
  email text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (issuer, subject)
);
CREATE INDEX user_identities_user_id_idx ON user_identities (user_id);

ALTER TABLE user_sessions ADD COLUMN id_token text;
