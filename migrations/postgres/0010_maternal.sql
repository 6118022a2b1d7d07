-- Pregnancies followed by village health workers and midwives (issue 13, Project 7.3). Health data
-- (Decree 13/2023/NĐ-CP: sensitive): read and written only through src/features/maternal, every
-- staff read audited. Visit and vaccination dates are not stored: they follow from `edd` or
-- `birth_date` and the schedule data, so the daily job finds what is due with index look-ups on
-- those dates alone and writes nothing but outbox rows.
CREATE TABLE pregnancies (
    id            BIGSERIAL PRIMARY KEY,
    contact_id    BIGINT NOT NULL REFERENCES contacts(id),
    village_code  TEXT NOT NULL REFERENCES areas(code),
    household_id  BIGINT REFERENCES households(id),
    -- Estimated date of delivery; the last menstrual period is edd - 280 days.
    edd           DATE NOT NULL,
    -- Which antenatal schedule its visits follow ('moh', 'who'), fixed when it was registered.
    schedule      TEXT NOT NULL CHECK (schedule IN ('moh', 'who')),
    status        TEXT NOT NULL CHECK (status IN ('active', 'born', 'lost')),
    -- The highest visit number marked done (KHAM); reminders skip visits up to it.
    visits_done   BIGINT NOT NULL DEFAULT 0,
    birth_date    DATE,
    registered_by BIGINT REFERENCES staff(id),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
-- One open pregnancy per mother: registering her again updates it (an upsert on this index).
CREATE UNIQUE INDEX pregnancies_open ON pregnancies (contact_id) WHERE status = 'active';
-- The daily job: antenatal rows by due date, postnatal and vaccination rows by birth date, paged by id.
CREATE INDEX pregnancies_due ON pregnancies (status, edd, id);
CREATE INDEX pregnancies_born ON pregnancies (status, birth_date, id);
CREATE INDEX pregnancies_village ON pregnancies (village_code, status);
