-- A row being sent when its origin (a notice, a campaign) is cancelled is marked, so that a
-- transient failure or a shutdown settles it as cancelled instead of putting it back in the
-- queue to go out after the cancel.
ALTER TABLE outbox ADD COLUMN cancel_requested_at TEXT;

-- The recursive area queries (an audience's areas and everything below them, a staff member's
-- scope, a commune's villages) look up children by parent at every step.
CREATE INDEX areas_parent ON areas (parent_code);
