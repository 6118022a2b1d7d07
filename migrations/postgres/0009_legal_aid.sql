-- Legal aid requests by SMS and USSD (issue 12): the requests, their append-only history, the
-- officers' notes, and the short SMS exchange (`TGPL`, then a category, then a contact mode)
-- while it is under way.

CREATE TABLE legal_aid_requests (
    id             BIGSERIAL PRIMARY KEY,
    -- TG- and six random letters and digits: never derived from the id, so not guessable.
    reference      TEXT NOT NULL UNIQUE,
    msisdn         TEXT NOT NULL,
    category       TEXT NOT NULL CHECK (category IN ('land', 'family', 'domestic_violence', 'labour',
                                                     'social_policy', 'administrative', 'criminal', 'other')),
    -- What the person wrote; shown to officers only, never sent back nor logged.
    description    TEXT,
    contact_mode   TEXT NOT NULL CHECK (contact_mode IN ('sms', 'call_only', 'none')),
    channel        TEXT NOT NULL CHECK (channel IN ('sms', 'ussd')),
    -- What made it (`sms:<inbound id>`, `ussd:<gateway>:<session>`): a replay finds its request.
    source_key     TEXT NOT NULL UNIQUE,
    -- Where the phone's household lives, when it is in one: who may see the request.
    household_id   BIGINT,
    village_code   TEXT,
    commune_code   TEXT,
    province_code  TEXT,
    status         TEXT NOT NULL CHECK (status IN ('received', 'assigned', 'contacted', 'in_progress',
                                                   'resolved', 'referred', 'withdrawn')),
    assigned_to    BIGINT REFERENCES staff(id),
    -- The group of the Law on Legal Aid 2017, art. 7, once the officer knows it.
    eligibility    TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX legal_aid_requests_status ON legal_aid_requests (status, created_at);
CREATE INDEX legal_aid_requests_created ON legal_aid_requests (created_at);

-- Append-only: every move, who made it (`staff:<id>`, `requester`) and when.
CREATE TABLE legal_aid_history (
    id           BIGSERIAL PRIMARY KEY,
    request_id   BIGINT NOT NULL REFERENCES legal_aid_requests(id),
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    assigned_to  BIGINT,
    changed_by   TEXT NOT NULL,
    changed_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX legal_aid_history_request ON legal_aid_history (request_id, id);

CREATE TABLE legal_aid_notes (
    id          BIGSERIAL PRIMARY KEY,
    request_id  BIGINT NOT NULL REFERENCES legal_aid_requests(id),
    staff_id    BIGINT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX legal_aid_notes_request ON legal_aid_notes (request_id, id);

-- The SMS exchange under way, one per phone: the category once chosen, then the mode ends it.
CREATE TABLE legal_aid_drafts (
    msisdn       TEXT PRIMARY KEY,
    stage        TEXT NOT NULL CHECK (stage IN ('category', 'mode')),
    category     TEXT,
    description  TEXT,
    expires_at   TIMESTAMPTZ NOT NULL
);
