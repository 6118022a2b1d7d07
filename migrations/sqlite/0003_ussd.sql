-- USSD sessions: one row per (gateway, session id), for expiry, auditing and "an unknown session
-- starts over". The screen is derived from each request's whole `text`; `input_offset` counts the
-- inputs that belong to an earlier life of the session (it had expired, or it arrived unknown with
-- a text that was no valid path), so later steps are read from the main menu on.
CREATE TABLE ussd_sessions (
    gateway_id    TEXT NOT NULL,
    session_id    TEXT NOT NULL,
    msisdn        TEXT NOT NULL,
    service_code  TEXT NOT NULL,
    network_code  TEXT,
    input_offset  INTEGER NOT NULL DEFAULT 0,
    steps         INTEGER NOT NULL DEFAULT 1,
    restarts      INTEGER NOT NULL DEFAULT 0,
    last_screen   TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    ended_at      TEXT,
    PRIMARY KEY (gateway_id, session_id)
);
CREATE INDEX ussd_sessions_expires ON ussd_sessions (expires_at);
