DROP INDEX reports_late;
ALTER TABLE reports DROP COLUMN late_notified_at;
