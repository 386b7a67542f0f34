-- Reports still open past their category's resolution target: the citizen is
-- told once (email, or a callback when they only gave a phone).
ALTER TABLE reports ADD COLUMN late_notified_at TIMESTAMP;
CREATE INDEX reports_late ON reports (status, expected_resolution_at);
