-- authctl schema 7: the audit log is searched by account (`audit --user`), whatever the address
-- the account had when each row was written: an index on the account id of the rows; and by
-- event kind (`audit --event`), an index on the kind.
CREATE INDEX IF NOT EXISTS audit_user_id ON audit (user_id, at);
CREATE INDEX IF NOT EXISTS audit_event ON audit (event, at);
-- Rows written without an account id although they were about an account (a failed login or a
-- reset request of a known address, by older versions) are given the id of the account that has
-- their address now, if that account already existed when the row was written. A row older than
-- the account, or of an address no account has now, keeps no id: it is still found by its
-- address.
UPDATE audit
SET user_id = users.id
FROM users
WHERE audit.user_id IS NULL
  AND users.email_normalized = audit.email_normalized
  AND users.created_at <= audit.at;
