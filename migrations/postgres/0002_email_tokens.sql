-- authctl schema 2 (PostgreSQL): single-use emailed tokens (account confirmation, password reset,
-- email change). Only a SHA-256 of each token is stored. The pending address of an email change
-- travels with its token, not in the users table.

CREATE TABLE tokens (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('confirm', 'reset', 'email_change')),
    new_email  text,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX tokens_user_purpose ON tokens (user_id, purpose);
