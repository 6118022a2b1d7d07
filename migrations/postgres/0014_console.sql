-- The console (issue 15). The dashboard counts messages by the day a gateway took them: an index
-- on sent_at makes that a range scan of 14 days instead of a scan of every message ever sent.
CREATE INDEX outbox_sent_at ON outbox (sent_at);

-- A spreadsheet uploaded in the console and checked, waiting for its uploader to confirm it;
-- taken (deleted) on confirmation, and deleted by housekeeping after an hour.
CREATE TABLE import_uploads (
    id          BIGSERIAL PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts(id),
    kind        TEXT NOT NULL,
    format      TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    body        BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX import_uploads_created ON import_uploads (created_at);
