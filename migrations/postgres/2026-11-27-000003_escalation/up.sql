-- The escalation sweeper finds due work through one index: a report still
-- `new` whose next escalation instant has passed. Level 1 is due at the
-- take-in deadline; level 2 a configurable time later; then none.
ALTER TABLE reports ADD COLUMN next_escalation_at TIMESTAMP;
UPDATE reports SET next_escalation_at = take_in_due_at WHERE status = 'new' AND escalation_level = 0;
CREATE INDEX reports_sweep ON reports (status, next_escalation_at);
