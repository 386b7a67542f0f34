-- The late-notice sweep reads only what it may claim: open reports not yet
-- flagged, oldest resolution target first. Through (status,
-- expected_resolution_at) it read every open report past its target, flagged
-- or not, then sorted them: 0.6 s of the writer per pass at 1M reports on
-- SQLite, every pass, even with nothing left to flag. The condition is
-- spelled as the query spells it (store::reports::late_query).
DROP INDEX reports_late;
CREATE INDEX reports_late_unflagged ON reports (expected_resolution_at)
    WHERE late_notified_at IS NULL AND status IN ('new', 'taken_in', 'in_progress');
-- Upgrading: the index is built as the service starts (1.2 s at a million
-- reports), before it answers.
