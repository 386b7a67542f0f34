-- A filing writes less: the retention and statistics reads ask for reports
-- closed or resolved before or since a time, so their indexes need not hold
-- the open reports (every new one), which the comparison excludes anyway.
DROP INDEX reports_closed;
CREATE INDEX reports_closed ON reports (closed_at) WHERE closed_at IS NOT NULL;
DROP INDEX reports_resolved;
CREATE INDEX reports_resolved ON reports (status, resolved_at) WHERE resolved_at IS NOT NULL;
