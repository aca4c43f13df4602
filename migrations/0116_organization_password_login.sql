-- Per-organization switch: when false, members of the organization must sign in through SSO
-- (the password endpoint refuses them and the login page hides the form). API tokens still work.
ALTER TABLE organizations ADD COLUMN is_password_login_allowed boolean NOT NULL DEFAULT true;
