-- authctl schema 3: lockout with backoff after consecutive failed logins.
-- failed_logins counts the failures since the last success (or unlock); locked_out_until (Unix
-- milliseconds, UTC) is when the current temporary lockout ends, NULL when there is none. The
-- administrator's permanent lock stays in the separate `locked` column.

ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_out_until INTEGER;
