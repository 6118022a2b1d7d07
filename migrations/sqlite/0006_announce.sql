-- Status changes whose SMS is still to be queued: set in the same transaction as the change, cleared
-- once every phone's message is in the outbox, so a crash in between loses no message.
ALTER TABLE support_history ADD COLUMN announce_pending INTEGER NOT NULL DEFAULT 0;
CREATE INDEX support_history_pending ON support_history (announce_pending, changed_at);
