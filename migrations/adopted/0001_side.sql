-- The side database of an adopted application database (`db adopt`): authctl's own state
-- beside the application's users table, which stays as the application made it. The tables are
-- the native schema's (version 7) less `users`: sessions and tokens name an account by the
-- UUID that encodes the application's id, without a foreign key (the account is in another
-- file). `accounts` keeps what the application's table has no column for, bound to the
-- account's address and to the SHA-256 of its stored password hash: state whose account has
-- another address or another password now (the application gave the id to another account, or
-- made the account again) counts for nothing.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('database_id', lower(hex(randomblob(16))));

CREATE TABLE accounts (
    app_id           INTEGER PRIMARY KEY NOT NULL,
    email_normalized TEXT NOT NULL,
    password_fp      BLOB,
    failed_logins    INTEGER NOT NULL DEFAULT 0,
    locked_out_until INTEGER,
    -- Locked by authctl through the application's active column (it has no locked column).
    locked           INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    remember   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE tokens (
    token_hash BLOB PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL,
    purpose    TEXT NOT NULL CHECK (purpose IN ('confirm', 'reset', 'email_change')),
    new_email  TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX tokens_user_purpose ON tokens (user_id, purpose);

CREATE TABLE reset_requests (
    address_hash BLOB NOT NULL,
    at           INTEGER NOT NULL
);
CREATE INDEX reset_requests_address_at ON reset_requests (address_hash, at);
CREATE INDEX reset_requests_at ON reset_requests (at);

CREATE TABLE audit (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    at               INTEGER NOT NULL,
    event            TEXT NOT NULL,
    user_id          TEXT,
    email            TEXT,
    email_normalized TEXT,
    os_user          TEXT NOT NULL,
    detail           TEXT
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_email_normalized ON audit (email_normalized, at);
CREATE INDEX audit_user_id ON audit (user_id, at);
CREATE INDEX audit_event ON audit (event, at);
