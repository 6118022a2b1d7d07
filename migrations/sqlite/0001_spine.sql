-- The message spine: contacts, consent ledger, inbox, outbox, what the simulator received, job leases.
-- Times are TEXT in RFC 3339 (UTC), always bound from Rust so that they compare as text.

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    msisdn      TEXT NOT NULL UNIQUE,
    language    TEXT,
    script      TEXT NOT NULL DEFAULT 'full' CHECK (script IN ('full', 'unaccented')),
    script_changed_by INTEGER,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE consent_events (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts(id),
    action      TEXT NOT NULL CHECK (action IN ('opt_out', 'opt_in')),
    scope       TEXT NOT NULL,
    channel     TEXT NOT NULL,
    inbound_id  INTEGER,
    created_at  TEXT NOT NULL
);
CREATE INDEX consent_events_contact ON consent_events (contact_id, scope, id);
-- Handling one inbound message twice (after a crash) records its consent once.
CREATE UNIQUE INDEX consent_events_inbound ON consent_events (inbound_id, scope) WHERE inbound_id IS NOT NULL;

CREATE TABLE inbound_messages (
    id           INTEGER PRIMARY KEY,
    gateway_id   TEXT NOT NULL,
    provider_id  TEXT,
    channel      TEXT NOT NULL,
    sender       TEXT NOT NULL,
    text         TEXT,
    text_hash    TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'handled', 'ignored', 'failed')),
    handled_at   TEXT,
    note         TEXT
);
CREATE UNIQUE INDEX inbound_provider_id ON inbound_messages (gateway_id, provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX inbound_sender_hash ON inbound_messages (sender, text_hash, received_at);
CREATE INDEX inbound_status ON inbound_messages (status, received_at);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    recipient        TEXT NOT NULL,
    text             TEXT,
    text_hash        TEXT NOT NULL,
    encoding         TEXT NOT NULL,
    parts            INTEGER NOT NULL,
    priority         INTEGER NOT NULL,
    topic            TEXT,
    origin           TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'expired', 'cancelled')),
    not_before       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    lease_until      TEXT,
    claimed_by       TEXT,
    gateway_id       TEXT,
    provider_id      TEXT,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    delivered_at     TEXT,
    updated_at       TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, priority DESC, next_attempt_at, id);
CREATE INDEX outbox_recipient ON outbox (recipient, created_at);
CREATE INDEX outbox_provider ON outbox (gateway_id, provider_id);

CREATE TABLE simulator_received (
    id           INTEGER PRIMARY KEY,
    outbox_id    INTEGER NOT NULL,
    recipient    TEXT NOT NULL,
    text         TEXT,
    encoding     TEXT NOT NULL,
    parts        INTEGER NOT NULL,
    provider_id  TEXT NOT NULL,
    received_at  TEXT NOT NULL
);
CREATE INDEX simulator_received_recipient ON simulator_received (recipient, id);

CREATE TABLE job_runs (
    job         TEXT NOT NULL,
    slot        TEXT NOT NULL,
    holder      TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    PRIMARY KEY (job, slot)
);
