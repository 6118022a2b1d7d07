-- The console (issue 15). The dashboard counts messages by the day a gateway took them: an index
-- on sent_at makes that a range scan of 14 days instead of a scan of every message ever sent.
CREATE INDEX outbox_sent_at ON outbox (sent_at);
