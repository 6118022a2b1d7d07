-- More staff roles (commune health staff, admins, programme monitors), the audit log of staff
-- reads and changes of sensitive data, and pending SMS confirmations (a preview answered `OK`).
--
-- SQLite cannot change a CHECK constraint in place, and sqlx runs a migration inside a
-- transaction (where foreign keys cannot be switched off): the staff table and its one child,
-- staff_areas, are copied aside, dropped child first, made again and filled back.
CREATE TEMP TABLE staff_copy AS SELECT id, msisdn, name, role, updated_at FROM staff;
CREATE TEMP TABLE staff_areas_copy AS SELECT staff_id, area_code FROM staff_areas;
DROP TABLE staff_areas;
DROP TABLE staff;
CREATE TABLE staff (
    id          INTEGER PRIMARY KEY,
    msisdn      TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('village_health_worker', 'village_midwife', 'commune_officer',
                                              'legal_aid', 'commune_health', 'admin', 'monitor')),
    updated_at  TEXT NOT NULL
);
CREATE TABLE staff_areas (
    staff_id   INTEGER NOT NULL REFERENCES staff(id),
    area_code  TEXT NOT NULL REFERENCES areas(code),
    PRIMARY KEY (staff_id, area_code)
);
INSERT INTO staff (id, msisdn, name, role, updated_at)
    SELECT id, msisdn, name, role, updated_at FROM staff_copy;
INSERT INTO staff_areas (staff_id, area_code) SELECT staff_id, area_code FROM staff_areas_copy;
DROP TABLE staff_copy;
DROP TABLE staff_areas_copy;

-- Append-only: who read or changed what sensitive record, when. Never a message body or a full
-- phone number in `detail`.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
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
    id            INTEGER PRIMARY KEY,
    msisdn        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    taken_at      TEXT
);
CREATE INDEX pending_confirmations_phone ON pending_confirmations (msisdn, id);
-- Cancelling and counting a notice's or a pregnancy's messages by their origin.
CREATE INDEX outbox_origin ON outbox (origin);
