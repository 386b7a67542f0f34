-- Back to the key in cell order.
-- The triggers that keep the counts name the table, so they are dropped
-- while it is rebuilt, then made again as they were (migration 000020).
DROP TRIGGER report_cells_insert;
DROP TRIGGER report_cells_delete;
DROP TRIGGER report_cells_update;
CREATE TABLE report_cells_rebuilt (
    level INTEGER NOT NULL,
    cell INTEGER NOT NULL,
    status TEXT NOT NULL,
    category_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    sum_lat REAL NOT NULL,
    sum_lon REAL NOT NULL,
    PRIMARY KEY (level, cell, status, category_id)
) WITHOUT ROWID;
INSERT INTO report_cells_rebuilt (level, cell, status, category_id, n, sum_lat, sum_lon)
SELECT level, cell, status, category_id, n, sum_lat, sum_lon FROM report_cells;
DROP TABLE report_cells;
ALTER TABLE report_cells_rebuilt RENAME TO report_cells;
CREATE TRIGGER report_cells_insert AFTER INSERT ON reports WHEN new.publication = 'published' BEGIN
    INSERT INTO report_cells
        SELECT 2, CAST((new.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((new.lon + 180.0) * 100.0 AS INTEGER), new.status, k.category_id, 1, new.lat, new.lon
        FROM (SELECT new.category_id AS category_id UNION ALL SELECT '*') AS k
        WHERE true
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = n + 1, sum_lat = sum_lat + excluded.sum_lat, sum_lon = sum_lon + excluded.sum_lon;
    INSERT INTO report_cells
        SELECT 1, CAST((new.lat + 90.0) * 10.0 AS INTEGER) * 3601 + CAST((new.lon + 180.0) * 10.0 AS INTEGER), new.status, k.category_id, 1, new.lat, new.lon
        FROM (SELECT new.category_id AS category_id UNION ALL SELECT '*') AS k
        WHERE true
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = n + 1, sum_lat = sum_lat + excluded.sum_lat, sum_lon = sum_lon + excluded.sum_lon;
END;
CREATE TRIGGER report_cells_delete AFTER DELETE ON reports WHEN old.publication = 'published' BEGIN
    UPDATE report_cells SET n = n - 1, sum_lat = sum_lat - old.lat, sum_lon = sum_lon - old.lon
    WHERE status = old.status AND category_id IN (old.category_id, '*') AND (
        (level = 2 AND cell = CAST((old.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((old.lon + 180.0) * 100.0 AS INTEGER)) OR
        (level = 1 AND cell = CAST((old.lat + 90.0) * 10.0 AS INTEGER) * 3601 + CAST((old.lon + 180.0) * 10.0 AS INTEGER)));
END;
CREATE TRIGGER report_cells_update AFTER UPDATE OF status, category_id, lat, lon, publication ON reports
WHEN old.status IS NOT new.status OR old.category_id IS NOT new.category_id
    OR old.lat IS NOT new.lat OR old.lon IS NOT new.lon OR old.publication IS NOT new.publication
BEGIN
    UPDATE report_cells SET n = n - 1, sum_lat = sum_lat - old.lat, sum_lon = sum_lon - old.lon
    WHERE old.publication = 'published' AND status = old.status AND category_id IN (old.category_id, '*') AND (
        (level = 2 AND cell = CAST((old.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((old.lon + 180.0) * 100.0 AS INTEGER)) OR
        (level = 1 AND cell = CAST((old.lat + 90.0) * 10.0 AS INTEGER) * 3601 + CAST((old.lon + 180.0) * 10.0 AS INTEGER)));
    INSERT INTO report_cells
        SELECT 2, CAST((new.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((new.lon + 180.0) * 100.0 AS INTEGER), new.status, k.category_id, 1, new.lat, new.lon
        FROM (SELECT new.category_id AS category_id UNION ALL SELECT '*') AS k
        WHERE new.publication = 'published'
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = n + 1, sum_lat = sum_lat + excluded.sum_lat, sum_lon = sum_lon + excluded.sum_lon;
    INSERT INTO report_cells
        SELECT 1, CAST((new.lat + 90.0) * 10.0 AS INTEGER) * 3601 + CAST((new.lon + 180.0) * 10.0 AS INTEGER), new.status, k.category_id, 1, new.lat, new.lon
        FROM (SELECT new.category_id AS category_id UNION ALL SELECT '*') AS k
        WHERE new.publication = 'published'
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = n + 1, sum_lat = sum_lat + excluded.sum_lat, sum_lon = sum_lon + excluded.sum_lon;
END;
