-- A filing writes less.
--
-- Intake now writes a report's grid cells with the report (src/domain/grid.rs
-- computes them with the SQL's own operations), instead of this trigger
-- updating the row it has just inserted: an UPDATE of the whole row and of
-- two indexes per filing. The trigger stays as a safety net for a row that
-- arrives without its cells or with others (a fill by SQL, an older binary):
-- it fires only then.
DROP TRIGGER reports_map_cell_insert;
CREATE TRIGGER reports_map_cell_insert AFTER INSERT ON reports
WHEN new.map_cell IS NOT CAST((new.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((new.lon + 180.0) * 100.0 AS INTEGER) OR new.map_cell_street IS NOT CAST((new.lat + 90.0) * 1000.0 AS INTEGER) * 360001 + CAST((new.lon + 180.0) * 1000.0 AS INTEGER) BEGIN
    UPDATE reports SET map_cell = CAST((new.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((new.lon + 180.0) * 100.0 AS INTEGER), map_cell_street = CAST((new.lat + 90.0) * 1000.0 AS INTEGER) * 360001 + CAST((new.lon + 180.0) * 1000.0 AS INTEGER) WHERE id = new.id;
END;

-- The retention and statistics reads ask for reports closed or resolved
-- before or since a time: their indexes need not hold the open reports
-- (every new one), which the comparison excludes anyway.
DROP INDEX reports_closed;
CREATE INDEX reports_closed ON reports (closed_at) WHERE closed_at IS NOT NULL;
DROP INDEX reports_resolved;
CREATE INDEX reports_resolved ON reports (status, resolved_at) WHERE resolved_at IS NOT NULL;
