DROP TRIGGER reports_map_cell_insert;
CREATE TRIGGER reports_map_cell_insert AFTER INSERT ON reports BEGIN
    UPDATE reports SET map_cell = CAST((new.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((new.lon + 180.0) * 100.0 AS INTEGER), map_cell_street = CAST((new.lat + 90.0) * 1000.0 AS INTEGER) * 360001 + CAST((new.lon + 180.0) * 1000.0 AS INTEGER) WHERE id = new.id;
END;
DROP INDEX reports_closed;
CREATE INDEX reports_closed ON reports (closed_at);
DROP INDEX reports_resolved;
CREATE INDEX reports_resolved ON reports (status, resolved_at);
