DROP INDEX reports_sweep;
ALTER TABLE reports DROP COLUMN next_escalation_at;
