-- authctl schema 7: the audit log is searched by account (`audit --user`), whatever the address
-- the account had when each row was written: an index on the account id of the rows; and by
-- event kind (`audit --event`), an index on the kind.
-- The table is made again with AUTOINCREMENT first: a sequence number (the id) is then never
-- given twice, even after `audit prune` deleted every row, so `audit --follow` keeps finding the
-- rows written after the last one it saw.
CREATE TABLE audit_autoincrement (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    at               INTEGER NOT NULL,
    event            TEXT NOT NULL,
    user_id          TEXT,
    email            TEXT,
    email_normalized TEXT,
    os_user          TEXT NOT NULL,
    detail           TEXT
);
INSERT INTO audit_autoincrement (id, at, event, user_id, email, email_normalized, os_user, detail)
SELECT id, at, event, user_id, email, email_normalized, os_user, detail FROM audit;
DROP TABLE audit;
ALTER TABLE audit_autoincrement RENAME TO audit;
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_email_normalized ON audit (email_normalized, at);
CREATE INDEX IF NOT EXISTS audit_user_id ON audit (user_id, at);
CREATE INDEX IF NOT EXISTS audit_event ON audit (event, at);
-- Rows written without an account id although they were about an account (a failed login or a
-- reset request of a known address, by older versions) are given the id of the account that has
-- their address now, if that account already existed when the row was written. A row older than
-- the account, or of an address no account has now, keeps no id: it is still found by its
-- address.
UPDATE audit
SET user_id = (
    SELECT users.id FROM users
    WHERE users.email_normalized = audit.email_normalized AND users.created_at <= audit.at
)
WHERE user_id IS NULL
  AND email_normalized IS NOT NULL
  AND EXISTS (
    SELECT 1 FROM users
    WHERE users.email_normalized = audit.email_normalized AND users.created_at <= audit.at
  );
