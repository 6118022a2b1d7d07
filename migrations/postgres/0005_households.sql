-- Households, their phones, staff with roles scoped to areas, support records and their history
-- (issue 5). Catalogue codes are checked in Rust against data/catalogue.csv, shipped with loa.

CREATE TABLE households (
    id            BIGSERIAL PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    -- The code as a villager types it after TT: upper case, letters and digits only (CG-0001 -> CG0001).
    code_key      TEXT NOT NULL UNIQUE,
    head_name     TEXT NOT NULL,
    village_code  TEXT NOT NULL REFERENCES areas(code),
    ethnic_group  TEXT,
    poverty_class TEXT NOT NULL CHECK (poverty_class IN ('poor', 'near_poor', 'none')),
    poverty_year  BIGINT,
    members       BIGINT,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX households_village ON households (village_code);

-- A phone may belong to several households (a son's phone in his parents' household and his own).
CREATE TABLE household_contacts (
    household_id  BIGINT NOT NULL REFERENCES households(id),
    contact_id    BIGINT NOT NULL REFERENCES contacts(id),
    PRIMARY KEY (household_id, contact_id)
);
CREATE INDEX household_contacts_contact ON household_contacts (contact_id);

CREATE TABLE staff (
    id          BIGSERIAL PRIMARY KEY,
    msisdn      TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('village_health_worker', 'village_midwife', 'commune_officer', 'legal_aid')),
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE staff_areas (
    staff_id   BIGINT NOT NULL REFERENCES staff(id),
    area_code  TEXT NOT NULL REFERENCES areas(code),
    PRIMARY KEY (staff_id, area_code)
);

CREATE TABLE support_records (
    id             BIGSERIAL PRIMARY KEY,
    -- The record's identity across imports: the file's record number, or household|content|date.
    record_key     TEXT NOT NULL UNIQUE,
    household_id   BIGINT NOT NULL REFERENCES households(id),
    content_code   TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('registered', 'approved', 'in_progress', 'disbursed', 'completed', 'rejected')),
    reason         TEXT,
    -- Thousandths of the unit, so 2.5 ha and 40,000,000 VND are both exact integers.
    quantity_milli BIGINT,
    unit           TEXT CHECK (unit IN ('VND', 'kg', 'm2', 'ha')),
    record_date    DATE NOT NULL,
    note           TEXT,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX support_records_household ON support_records (household_id, record_date);

-- Append-only: every status change, who made it and when.
CREATE TABLE support_history (
    id            BIGSERIAL PRIMARY KEY,
    record_id     BIGINT NOT NULL REFERENCES support_records(id),
    from_status   TEXT,
    to_status     TEXT NOT NULL,
    reason        TEXT,
    changed_by    TEXT NOT NULL,
    changed_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX support_history_record ON support_history (record_id, id);
