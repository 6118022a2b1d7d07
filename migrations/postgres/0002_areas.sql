-- Places are data (DESIGN.md, "Admin units are data"); the households issue extends this table.
CREATE TABLE areas (
    code                  TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    level                 TEXT NOT NULL CHECK (level IN ('province', 'commune', 'village')),
    parent_code           TEXT REFERENCES areas(code),
    especially_difficult  BOOLEAN NOT NULL DEFAULT FALSE,
    region                TEXT,
    updated_at            TIMESTAMPTZ NOT NULL
);
