-- Resolved reports close by themselves once their reopen window has passed:
-- the sweeper finds them by status and resolution time.
CREATE INDEX reports_resolved ON reports (status, resolved_at);
