-- Commune notices and awareness campaigns (issue 14): notices with their audience and texts,
-- campaigns with their steps, each contact's progress through a campaign, quiz answers.
-- Audiences are not stored as rows: each is a filter (JSON) resolved by one query when counted or
-- queued, so a contact who joins later is found by the next run.

CREATE TABLE notices (
    id            INTEGER PRIMARY KEY,
    audience      TEXT NOT NULL,
    -- The Vietnamese text, and other languages' versions as a JSON object {"en": "…"}.
    text          TEXT NOT NULL,
    versions      TEXT NOT NULL DEFAULT '{}',
    status        TEXT NOT NULL DEFAULT 'draft'
                  CHECK (status IN ('draft', 'scheduled', 'queuing', 'queued', 'cancelled')),
    send_at       TEXT,
    -- While one instance queues a notice's messages; a crashed queuing is taken up again after it.
    lease_until   TEXT,
    created_by    TEXT NOT NULL,
    queued        INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX notices_due ON notices (status, send_at);

CREATE TABLE campaigns (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('messages', 'quiz')),
    audience      TEXT NOT NULL,
    -- Steps go out at this cron's fire times (one step per fire) instead of by day offset.
    cron          TEXT,
    status        TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'running', 'paused', 'stopped')),
    -- A quiz takes no answer after this.
    closes_at     TEXT,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX campaigns_status ON campaigns (status);

CREATE TABLE campaign_steps (
    campaign_id   INTEGER NOT NULL REFERENCES campaigns(id),
    step_no       INTEGER NOT NULL CHECK (step_no >= 1),
    day_offset    INTEGER NOT NULL DEFAULT 0,
    -- Shipped content names its fluent message; a staff-written step has its texts.
    message_id    TEXT,
    text          TEXT,
    versions      TEXT NOT NULL DEFAULT '{}',
    answer        TEXT CHECK (answer IN ('A', 'B', 'C')),
    PRIMARY KEY (campaign_id, step_no)
);

-- Where each contact is in a campaign: step 0 is joining, step n was queued at `at`. The key makes
-- each (campaign, step, contact) happen once; the outbox key campaign:<id>:<step>:<contact> too.
CREATE TABLE campaign_progress (
    campaign_id   INTEGER NOT NULL,
    step_no       INTEGER NOT NULL,
    contact_id    INTEGER NOT NULL,
    at            TEXT NOT NULL,
    PRIMARY KEY (campaign_id, step_no, contact_id)
);
CREATE INDEX campaign_progress_contact ON campaign_progress (contact_id, at);

-- One answer per question per contact.
CREATE TABLE quiz_answers (
    campaign_id   INTEGER NOT NULL,
    step_no       INTEGER NOT NULL,
    contact_id    INTEGER NOT NULL,
    answer        TEXT NOT NULL CHECK (answer IN ('A', 'B', 'C')),
    correct       INTEGER NOT NULL,
    answered_at   TEXT NOT NULL,
    PRIMARY KEY (campaign_id, step_no, contact_id)
);

-- Audience filters by poverty class and ethnic group within villages.
CREATE INDEX households_village_class ON households (village_code, poverty_class, ethnic_group);
