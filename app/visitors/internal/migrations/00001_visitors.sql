-- Forward-only: production never migrates down; a mistake is fixed by the
-- next migration.

-- +goose Up
-- One row per visitor ever seen. id is the keyed hash of the client's
-- address and User-Agent; no address is stored.
CREATE TABLE visitors (
    id         bytea       PRIMARY KEY CHECK (octet_length(id) = 32),
    first_seen timestamptz NOT NULL
);

-- One row per visitor and UTC day the visitor came: today's count is one
-- range of the primary key.
CREATE TABLE daily_visitors (
    day date  NOT NULL,
    id  bytea NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
    PRIMARY KEY (day, id)
);
