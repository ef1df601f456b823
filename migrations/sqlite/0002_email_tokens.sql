-- authctl schema 2: single-use emailed tokens (account confirmation, password reset, email change).
-- Only a SHA-256 of each token is stored. The pending address of an email change travels with its
-- token, not in the users table.

CREATE TABLE tokens (
    token_hash BLOB PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('confirm', 'reset', 'email_change')),
    new_email  TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX tokens_user_purpose ON tokens (user_id, purpose);
