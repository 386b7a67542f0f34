-- Resolved reports close by themselves once their reopen window has passed:
-- the sweeper finds them by status and resolution time.
CREATE INDEX reports_resolved ON reports (status, resolved_at);
-- Delivered notifications keep no address, body or follow-up token (the
-- dispatcher now keeps only the Message-ID); rows sent before this version
-- are emptied here.
UPDATE outbox SET payload = '{}' WHERE state = 'sent';
