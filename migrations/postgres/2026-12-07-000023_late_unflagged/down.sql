DROP INDEX reports_late_unflagged;
CREATE INDEX reports_late ON reports (status, expected_resolution_at);
