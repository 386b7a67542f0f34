-- Every report counts again on the map, as before moderation.
DROP TRIGGER reports_active_insert;
DROP TRIGGER reports_active_update;
CREATE TRIGGER reports_active_insert AFTER INSERT ON reports
WHEN new.status IN ('new', 'taken_in', 'in_progress') BEGIN
    INSERT INTO reports_active_rtree VALUES (new.id, new.lon, new.lon, new.lat, new.lat, new.lat, new.lon, new.category_id);
END;
CREATE TRIGGER reports_active_update AFTER UPDATE OF status, category_id, lat, lon ON reports BEGIN
    DELETE FROM reports_active_rtree WHERE id = old.id;
    INSERT INTO reports_active_rtree
    SELECT new.id, new.lon, new.lon, new.lat, new.lat, new.lat, new.lon, new.category_id
    WHERE new.status IN ('new', 'taken_in', 'in_progress');
END;
DELETE FROM reports_active_rtree;
INSERT INTO reports_active_rtree
SELECT id, lon, lon, lat, lat, lat, lon, category_id FROM reports
WHERE status IN ('new', 'taken_in', 'in_progress');

DROP TRIGGER report_cells_insert;
DROP TRIGGER report_cells_delete;
DROP TRIGGER report_cells_update;
CREATE TRIGGER report_cells_insert AFTER INSERT ON reports BEGIN
    INSERT INTO report_cells VALUES (2, CAST((new.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((new.lon + 180.0) * 100.0 AS INTEGER), new.status, new.category_id, 1, new.lat, new.lon)
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = n + 1, sum_lat = sum_lat + excluded.sum_lat, sum_lon = sum_lon + excluded.sum_lon;
    INSERT INTO report_cells VALUES (1,
        CAST((new.lat + 90.0) * 10.0 AS INTEGER) * 3601 + CAST((new.lon + 180.0) * 10.0 AS INTEGER),
        new.status, new.category_id, 1, new.lat, new.lon)
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = n + 1, sum_lat = sum_lat + excluded.sum_lat, sum_lon = sum_lon + excluded.sum_lon;
END;
CREATE TRIGGER report_cells_delete AFTER DELETE ON reports BEGIN
    UPDATE report_cells SET n = n - 1, sum_lat = sum_lat - old.lat, sum_lon = sum_lon - old.lon
    WHERE status = old.status AND category_id = old.category_id AND (
        (level = 2 AND cell = CAST((old.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((old.lon + 180.0) * 100.0 AS INTEGER)) OR
        (level = 1 AND cell = CAST((old.lat + 90.0) * 10.0 AS INTEGER) * 3601 + CAST((old.lon + 180.0) * 10.0 AS INTEGER)));
END;
CREATE TRIGGER report_cells_update AFTER UPDATE OF status, category_id, lat, lon ON reports
WHEN old.status IS NOT new.status OR old.category_id IS NOT new.category_id
    OR old.lat IS NOT new.lat OR old.lon IS NOT new.lon
BEGIN
    UPDATE report_cells SET n = n - 1, sum_lat = sum_lat - old.lat, sum_lon = sum_lon - old.lon
    WHERE status = old.status AND category_id = old.category_id AND (
        (level = 2 AND cell = CAST((old.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((old.lon + 180.0) * 100.0 AS INTEGER)) OR
        (level = 1 AND cell = CAST((old.lat + 90.0) * 10.0 AS INTEGER) * 3601 + CAST((old.lon + 180.0) * 10.0 AS INTEGER)));
    INSERT INTO report_cells VALUES (2, CAST((new.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((new.lon + 180.0) * 100.0 AS INTEGER), new.status, new.category_id, 1, new.lat, new.lon)
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = n + 1, sum_lat = sum_lat + excluded.sum_lat, sum_lon = sum_lon + excluded.sum_lon;
    INSERT INTO report_cells VALUES (1,
        CAST((new.lat + 90.0) * 10.0 AS INTEGER) * 3601 + CAST((new.lon + 180.0) * 10.0 AS INTEGER),
        new.status, new.category_id, 1, new.lat, new.lon)
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = n + 1, sum_lat = sum_lat + excluded.sum_lat, sum_lon = sum_lon + excluded.sum_lon;
END;
DELETE FROM report_cells;
INSERT INTO report_cells
SELECT 2, map_cell, status, category_id, count(*), sum(lat), sum(lon)
FROM reports GROUP BY map_cell, status, category_id;
INSERT INTO report_cells
SELECT 1, CAST((lat + 90.0) * 10.0 AS INTEGER) * 3601 + CAST((lon + 180.0) * 10.0 AS INTEGER) AS cell,
       status, category_id, count(*), sum(lat), sum(lon)
FROM reports GROUP BY cell, status, category_id;

DROP INDEX reports_map_cell;
DROP INDEX reports_map_cell_street;
CREATE INDEX reports_map_cell ON reports (map_cell, id, status, category_id, lat, lon);
CREATE INDEX reports_map_cell_street ON reports (map_cell_street, id, status, category_id, lat, lon);
DROP INDEX attachments_publication;
DROP INDEX reports_publication;
ALTER TABLE attachments DROP COLUMN publication;
ALTER TABLE reports DROP COLUMN public_description;
ALTER TABLE reports DROP COLUMN public_title;
ALTER TABLE reports DROP COLUMN publication;
ALTER TABLE categories DROP COLUMN publication_policy;
ALTER TABLE municipalities DROP COLUMN publication_policy;
