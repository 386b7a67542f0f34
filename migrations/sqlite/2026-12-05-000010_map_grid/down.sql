CREATE VIRTUAL TABLE reports_rtree USING rtree(id, min_lon, max_lon, min_lat, max_lat);
INSERT INTO reports_rtree SELECT id, lon, lon, lat, lat FROM reports;
CREATE TRIGGER reports_rtree_insert AFTER INSERT ON reports BEGIN
    INSERT INTO reports_rtree VALUES (new.id, new.lon, new.lon, new.lat, new.lat);
END;
CREATE TRIGGER reports_rtree_move AFTER UPDATE OF lat, lon ON reports BEGIN
    UPDATE reports_rtree SET min_lon = new.lon, max_lon = new.lon, min_lat = new.lat, max_lat = new.lat
    WHERE id = new.id;
END;
CREATE TRIGGER reports_rtree_delete AFTER DELETE ON reports BEGIN
    DELETE FROM reports_rtree WHERE id = old.id;
END;
DROP TRIGGER reports_active_delete;
DROP TRIGGER reports_active_update;
DROP TRIGGER reports_active_insert;
DROP TABLE reports_active_rtree;
DROP TRIGGER report_cells_update;
DROP TRIGGER report_cells_delete;
DROP TRIGGER report_cells_insert;
DROP TABLE report_cells;
DROP TRIGGER reports_map_cell_move;
DROP TRIGGER reports_map_cell_insert;
DROP INDEX reports_map_cell;
DROP INDEX reports_map_cell_street;
ALTER TABLE reports DROP COLUMN map_cell_street;
ALTER TABLE reports DROP COLUMN map_cell;
