-- The late-notice sweep reads only what it may claim: open reports not yet
-- flagged, oldest resolution target first. Through (status,
-- expected_resolution_at) it read every open report past its target, flagged
-- or not, then sorted them: 0.6 s of the writer per pass at 1M reports on
-- SQLite, every pass, even with nothing left to flag. The condition is
-- spelled as the query spells it (store::reports::late_query).
DROP INDEX reports_late;
CREATE INDEX reports_late_unflagged ON reports (expected_resolution_at)
    WHERE late_notified_at IS NULL AND status IN ('new', 'taken_in', 'in_progress');
-- Upgrading: the index is built inside the migration's transaction, so
-- filings wait for it once (seconds at a million reports), and an instance
-- of the previous version still running meanwhile sweeps without an index
-- until it is replaced.
