DROP INDEX reports_resolved;
