-- authctl schema 4: the password-reset requests of the past hour, for the silent per-address
-- limit (reset_requests_per_hour). Registered and unknown addresses alike are kept only as a
-- SHA-256 of the normalised address salted with the database id; rows older than an hour are
-- deleted whenever a request is recorded.

CREATE TABLE reset_requests (
    address_hash BLOB NOT NULL,
    at           INTEGER NOT NULL
);
CREATE INDEX reset_requests_address_at ON reset_requests (address_hash, at);
CREATE INDEX reset_requests_at ON reset_requests (at);
