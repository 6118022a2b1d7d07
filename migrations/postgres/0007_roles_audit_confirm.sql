-- More staff roles (commune health staff, admins, programme monitors), the audit log of staff
-- reads and changes of sensitive data, and pending SMS confirmations (a preview answered `OK`).
ALTER TABLE staff DROP CONSTRAINT staff_role_check;
ALTER TABLE staff ADD CONSTRAINT staff_role_check
    CHECK (role IN ('village_health_worker', 'village_midwife', 'commune_officer',
                    'legal_aid', 'commune_health', 'admin', 'monitor'));

-- Append-only: who read or changed what sensitive record, when. Never a message body or a full
-- phone number in `detail`.
CREATE TABLE audit_log (
    id            BIGSERIAL PRIMARY KEY,
    at            TIMESTAMPTZ NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    subject_kind  TEXT NOT NULL,
    subject_id    TEXT,
    detail        TEXT
);
CREATE INDEX audit_log_subject ON audit_log (subject_kind, subject_id, id);
CREATE INDEX audit_log_at ON audit_log (at);

-- A preview sent by SMS and waiting for the sender's `OK`: taken once, within its time.
CREATE TABLE pending_confirmations (
    id            BIGSERIAL PRIMARY KEY,
    msisdn        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    taken_at      TIMESTAMPTZ
);
CREATE INDEX pending_confirmations_phone ON pending_confirmations (msisdn, id);

-- Cancelling and counting a notice's or a pregnancy's messages by their origin.
CREATE INDEX outbox_origin ON outbox (origin);
