DROP INDEX reports_closed;
CREATE INDEX reports_closed ON reports (closed_at);
DROP INDEX reports_resolved;
CREATE INDEX reports_resolved ON reports (status, resolved_at);
