CREATE INDEX reports_status_due ON reports (status, take_in_due_at);
