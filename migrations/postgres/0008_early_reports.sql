-- Delivery reports that arrived before the dispatcher recorded the send they report on (a fast
-- SMSC answers before our `sent` is written): kept here, applied once the send is recorded.
CREATE TABLE early_reports (
    id           BIGSERIAL PRIMARY KEY,
    gateway_id   TEXT NOT NULL,
    provider_id  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('sent', 'delivered', 'failed')),
    error        TEXT,
    received_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX early_reports_key ON early_reports (gateway_id, provider_id);
CREATE INDEX early_reports_received ON early_reports (received_at);
