-- authctl schema 1 (PostgreSQL): accounts, login sessions, audit log. The same tables as the SQLite
-- schema, in PostgreSQL's own types. Times are stored to the millisecond, as on SQLite. Secrets are
-- never stored: sessions keep a SHA-256 of their token.

CREATE TABLE meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
-- The identity of this database, which a session file must name (32 hex digits, as on SQLite).
INSERT INTO meta (key, value) VALUES ('database_id', replace(gen_random_uuid()::text, '-', ''));

CREATE TABLE users (
    id                  uuid PRIMARY KEY,
    -- Creation order (what SQLite's rowid gives): users are listed by it, and an import tells the
    -- rows of its own batch by it.
    seq                 bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    email               text NOT NULL,
    email_normalized    text NOT NULL,
    username            text,
    username_normalized text,
    password_hash       text,
    confirmed           boolean NOT NULL DEFAULT false,
    active              boolean NOT NULL DEFAULT true,
    locked              boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL
);
-- Conflicts are recognised by these constraint names.
ALTER TABLE users ADD CONSTRAINT users_email_normalized UNIQUE (email_normalized);
ALTER TABLE users ADD CONSTRAINT users_username_normalized UNIQUE (username_normalized);

CREATE TABLE sessions (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    remember   boolean NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE audit (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at               timestamptz NOT NULL,
    event            text NOT NULL,
    user_id          uuid,
    email            text,
    email_normalized text,
    os_user          text NOT NULL,
    detail           text
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_email_normalized ON audit (email_normalized, at);
