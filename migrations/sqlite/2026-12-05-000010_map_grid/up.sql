-- The map's grid (src/domain/grid.rs): a report's cell of 0.01° (level 2,
-- a district) and of 0.001° (level 3, a street), numbered row by row. The map
-- list reads a box cell by cell, at the finest level that covers it with a
-- few dozen cells, through these indexes, which are ordered by id and carry
-- what its filters need: the newest reports of a dense box are found without
-- reading, let alone sorting, the rest of it. Plain columns kept by triggers
-- (SQLite does not treat an index on a generated column as covering).
ALTER TABLE reports ADD COLUMN map_cell INTEGER;
ALTER TABLE reports ADD COLUMN map_cell_street INTEGER;
UPDATE reports SET
    map_cell = CAST((lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((lon + 180.0) * 100.0 AS INTEGER),
    map_cell_street = CAST((lat + 90.0) * 1000.0 AS INTEGER) * 360001 + CAST((lon + 180.0) * 1000.0 AS INTEGER);
CREATE INDEX reports_map_cell ON reports (map_cell, id, status, category_id, lat, lon);
CREATE INDEX reports_map_cell_street ON reports (map_cell_street, id, status, category_id, lat, lon);
CREATE TRIGGER reports_map_cell_insert AFTER INSERT ON reports BEGIN
    UPDATE reports SET map_cell = CAST((new.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((new.lon + 180.0) * 100.0 AS INTEGER), map_cell_street = CAST((new.lat + 90.0) * 1000.0 AS INTEGER) * 360001 + CAST((new.lon + 180.0) * 1000.0 AS INTEGER) WHERE id = new.id;
END;
CREATE TRIGGER reports_map_cell_move AFTER UPDATE OF lat, lon, map_cell, map_cell_street ON reports
WHEN new.map_cell IS NOT CAST((new.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((new.lon + 180.0) * 100.0 AS INTEGER) OR new.map_cell_street IS NOT CAST((new.lat + 90.0) * 1000.0 AS INTEGER) * 360001 + CAST((new.lon + 180.0) * 1000.0 AS INTEGER) BEGIN
    UPDATE reports SET map_cell = CAST((new.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((new.lon + 180.0) * 100.0 AS INTEGER), map_cell_street = CAST((new.lat + 90.0) * 1000.0 AS INTEGER) * 360001 + CAST((new.lon + 180.0) * 1000.0 AS INTEGER) WHERE id = new.id;
END;

-- The map's clusters: reports counted per cell (0.1° = level 1, 0.01° =
-- level 2), status and category, kept by the triggers below.
CREATE TABLE report_cells (
    level INTEGER NOT NULL,
    cell INTEGER NOT NULL,
    status TEXT NOT NULL,
    category_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    sum_lat REAL NOT NULL,
    sum_lon REAL NOT NULL,
    PRIMARY KEY (level, cell, status, category_id)
) WITHOUT ROWID;
INSERT INTO report_cells
SELECT 2, map_cell, status, category_id, count(*), sum(lat), sum(lon)
FROM reports GROUP BY map_cell, status, category_id;
INSERT INTO report_cells
SELECT 1, CAST((lat + 90.0) * 10.0 AS INTEGER) * 3601 + CAST((lon + 180.0) * 10.0 AS INTEGER) AS cell,
       status, category_id, count(*), sum(lat), sum(lon)
FROM reports GROUP BY cell, status, category_id;

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

-- "Is it already reported?": only active reports (new, taken in, in
-- progress) are searched, so they get an R*Tree of their own, carrying the
-- exact coordinates and the category (auxiliary columns) so the search reads
-- nothing else.
CREATE VIRTUAL TABLE reports_active_rtree USING rtree(id, min_lon, max_lon, min_lat, max_lat, +lat, +lon, +category_id);
INSERT INTO reports_active_rtree
SELECT id, lon, lon, lat, lat, lat, lon, category_id FROM reports
WHERE status IN ('new', 'taken_in', 'in_progress');
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
CREATE TRIGGER reports_active_delete AFTER DELETE ON reports BEGIN
    DELETE FROM reports_active_rtree WHERE id = old.id;
END;

-- The R*Tree of every report served the two searches above; nothing reads
-- it any more.
DROP TRIGGER reports_rtree_delete;
DROP TRIGGER reports_rtree_move;
DROP TRIGGER reports_rtree_insert;
DROP TABLE reports_rtree;
