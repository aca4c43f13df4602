-- Whether the provider vouched (email_verified: true) for the identity's e-mail at its last login.
-- An account that SSO created from an e-mail no provider verified is never linked to another
-- identity by that e-mail: whoever registered the address first at a lax provider must not end
-- up sharing the account of the address's real owner (account pre-hijacking). Rows from before
-- this migration are unknown (NULL) and count as not verified until their next login says.
ALTER TABLE user_identities ADD COLUMN is_email_verified boolean;
