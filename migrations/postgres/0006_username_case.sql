-- authctl schema 6: how usernames are compared, recorded in the database (the setting
-- username_case_sensitive, applied by `init` and `db migrate`). Databases made before compared
-- them case-insensitively.
INSERT INTO meta (key, value) VALUES ('username_case', 'insensitive');
