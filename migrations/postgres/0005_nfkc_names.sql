-- authctl schema 5: on SQLite this migration recomputes the comparison forms of emails and
-- usernames written before they were compared in NFKC. Every PostgreSQL database was created by
-- a binary that already wrote NFKC forms, so there is nothing to recompute; the migration keeps
-- both engines at the same schema version.
SELECT 1;
