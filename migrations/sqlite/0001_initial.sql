-- authctl schema 1: accounts, login sessions, audit log.
-- Times are Unix milliseconds (UTC). Secrets are never stored: sessions keep a SHA-256 of their token.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
-- The identity of this database, which a session file must name.
INSERT INTO meta (key, value) VALUES ('database_id', lower(hex(randomblob(16))));

CREATE TABLE users (
    id                  TEXT PRIMARY KEY NOT NULL,
    email               TEXT NOT NULL,
    email_normalized    TEXT NOT NULL,
    username            TEXT,
    username_normalized TEXT,
    password_hash       TEXT,
    confirmed           INTEGER NOT NULL DEFAULT 0,
    active              INTEGER NOT NULL DEFAULT 1,
    locked              INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email_normalized ON users (email_normalized);
CREATE UNIQUE INDEX users_username_normalized ON users (username_normalized);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,
    remember   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE audit (
    id               INTEGER PRIMARY KEY,
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
