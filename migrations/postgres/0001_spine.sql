-- The message spine: contacts, consent ledger, inbox, outbox, what the simulator received, job leases.
-- Times are TIMESTAMPTZ, always bound from Rust.

CREATE TABLE contacts (
    id          BIGSERIAL PRIMARY KEY,
    msisdn      TEXT NOT NULL UNIQUE,
    language    TEXT,
    script      TEXT NOT NULL DEFAULT 'full' CHECK (script IN ('full', 'unaccented')),
    script_changed_by BIGINT,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE consent_events (
    id          BIGSERIAL PRIMARY KEY,
    contact_id  BIGINT NOT NULL REFERENCES contacts(id),
    action      TEXT NOT NULL CHECK (action IN ('opt_out', 'opt_in')),
    scope       TEXT NOT NULL,
    channel     TEXT NOT NULL,
    inbound_id  BIGINT,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX consent_events_contact ON consent_events (contact_id, scope, id);
-- Handling one inbound message twice (after a crash) records its consent once.
CREATE UNIQUE INDEX consent_events_inbound ON consent_events (inbound_id, scope) WHERE inbound_id IS NOT NULL;

CREATE TABLE inbound_messages (
    id           BIGSERIAL PRIMARY KEY,
    gateway_id   TEXT NOT NULL,
    provider_id  TEXT,
    channel      TEXT NOT NULL,
    sender       TEXT NOT NULL,
    text         TEXT,
    text_hash    TEXT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'handled', 'ignored', 'failed')),
    handled_at   TIMESTAMPTZ,
    note         TEXT
);
CREATE UNIQUE INDEX inbound_provider_id ON inbound_messages (gateway_id, provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX inbound_sender_hash ON inbound_messages (sender, text_hash, received_at);
CREATE INDEX inbound_status ON inbound_messages (status, received_at);

CREATE TABLE outbox (
    id               BIGSERIAL PRIMARY KEY,
    recipient        TEXT NOT NULL,
    text             TEXT,
    text_hash        TEXT NOT NULL,
    encoding         TEXT NOT NULL,
    parts            BIGINT NOT NULL,
    priority         BIGINT NOT NULL,
    topic            TEXT,
    origin           TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'expired', 'cancelled')),
    not_before       TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    lease_until      TIMESTAMPTZ,
    claimed_by       TEXT,
    gateway_id       TEXT,
    provider_id      TEXT,
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    sent_at          TIMESTAMPTZ,
    delivered_at     TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, priority DESC, next_attempt_at, id);
CREATE INDEX outbox_recipient ON outbox (recipient, created_at);
CREATE INDEX outbox_provider ON outbox (gateway_id, provider_id);

CREATE TABLE simulator_received (
    id           BIGSERIAL PRIMARY KEY,
    outbox_id    BIGINT NOT NULL,
    recipient    TEXT NOT NULL,
    text         TEXT,
    encoding     TEXT NOT NULL,
    parts        BIGINT NOT NULL,
    provider_id  TEXT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX simulator_received_recipient ON simulator_received (recipient, id);

CREATE TABLE job_runs (
    job         TEXT NOT NULL,
    slot        TEXT NOT NULL,
    holder      TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (job, slot)
);
