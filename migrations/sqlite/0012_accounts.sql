-- Staff accounts (a password, a role, a staff row where there is one), their sessions, their API
-- tokens, and failed sign-ins kept for throttling (in the database, so a restart does not reset it
-- and several instances count together).
CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    -- The staff row (phone, role, areas) the account acts as; admins and monitors may have none,
    -- and then `role` says what they are.
    staff_id       INTEGER UNIQUE REFERENCES staff(id),
    role           TEXT CHECK (role IN ('admin', 'monitor')),
    disabled_at    TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CHECK ((staff_id IS NULL) <> (role IS NULL))
);

-- A signed-in browser. Only a hash of the cookie's value is stored.
CREATE TABLE sessions (
    id_hash     TEXT PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    csrf        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- A machine client's bearer token; shown once, only its hash kept, revoked by stamping.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    revoked_at    TEXT,
    last_used_at  TEXT
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);

-- One row per failed sign-in and per key (`user:<name>`, `addr:<ip>`), counted over a window.
CREATE TABLE login_failures (
    id   INTEGER PRIMARY KEY,
    key  TEXT NOT NULL,
    at   TEXT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);
