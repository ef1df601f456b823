-- authctl schema 5: emails and usernames are compared in NFKC as well as in lower case, so that
-- `ａｄｍｉｎ` and `admin` are one name. Rows written before compared in lower case only: their
-- comparison forms are recomputed with the binary's own normalisation, registered as the SQL
-- function authctl_normalize while migrating. If two accounts' names become one, the unique
-- indexes fail the migration, which then changes nothing (rename one of them and migrate again).

UPDATE users
   SET email_normalized = authctl_normalize(email),
       username_normalized = authctl_normalize(username)
 WHERE email_normalized IS NOT authctl_normalize(email)
    OR username_normalized IS NOT authctl_normalize(username);

UPDATE audit
   SET email_normalized = authctl_normalize(email)
 WHERE email_normalized IS NOT authctl_normalize(email);
