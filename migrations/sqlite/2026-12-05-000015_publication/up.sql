-- Publication and moderation (src/domain/publication.rs): the comune's
-- policy, a category's override, whether each report and photo is public,
-- and the public text staff may write in place of the citizen's.
ALTER TABLE municipalities ADD COLUMN publication_policy TEXT NOT NULL DEFAULT 'immediate';
ALTER TABLE categories ADD COLUMN publication_policy TEXT;
-- Reports filed before moderation existed were public: they stay so.
ALTER TABLE reports ADD COLUMN publication TEXT NOT NULL DEFAULT 'published';
ALTER TABLE reports ADD COLUMN public_title TEXT;
ALTER TABLE reports ADD COLUMN public_description TEXT;
ALTER TABLE attachments ADD COLUMN publication TEXT NOT NULL DEFAULT 'published';
-- The moderation queue: reports and photos waiting for a review.
CREATE INDEX reports_publication ON reports (publication, id);
CREATE INDEX attachments_publication ON attachments (publication, report_id);

-- The map list's indexes carry the publication too, so that they still
-- answer the list alone.
DROP INDEX reports_map_cell;
DROP INDEX reports_map_cell_street;
CREATE INDEX reports_map_cell ON reports (map_cell, id, status, category_id, lat, lon, publication);
CREATE INDEX reports_map_cell_street ON reports (map_cell_street, id, status, category_id, lat, lon, publication);

-- The clusters count public reports only.
DROP TRIGGER report_cells_insert;
DROP TRIGGER report_cells_delete;
DROP TRIGGER report_cells_update;
CREATE TRIGGER report_cells_insert AFTER INSERT ON reports WHEN new.publication = 'published' BEGIN
    INSERT INTO report_cells VALUES (2, CAST((new.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((new.lon + 180.0) * 100.0 AS INTEGER), new.status, new.category_id, 1, new.lat, new.lon)
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = n + 1, sum_lat = sum_lat + excluded.sum_lat, sum_lon = sum_lon + excluded.sum_lon;
    INSERT INTO report_cells VALUES (1,
        CAST((new.lat + 90.0) * 10.0 AS INTEGER) * 3601 + CAST((new.lon + 180.0) * 10.0 AS INTEGER),
        new.status, new.category_id, 1, new.lat, new.lon)
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = n + 1, sum_lat = sum_lat + excluded.sum_lat, sum_lon = sum_lon + excluded.sum_lon;
END;
CREATE TRIGGER report_cells_delete AFTER DELETE ON reports WHEN old.publication = 'published' BEGIN
    UPDATE report_cells SET n = n - 1, sum_lat = sum_lat - old.lat, sum_lon = sum_lon - old.lon
    WHERE status = old.status AND category_id = old.category_id AND (
        (level = 2 AND cell = CAST((old.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((old.lon + 180.0) * 100.0 AS INTEGER)) OR
        (level = 1 AND cell = CAST((old.lat + 90.0) * 10.0 AS INTEGER) * 3601 + CAST((old.lon + 180.0) * 10.0 AS INTEGER)));
END;
CREATE TRIGGER report_cells_update AFTER UPDATE OF status, category_id, lat, lon, publication ON reports
WHEN old.status IS NOT new.status OR old.category_id IS NOT new.category_id
    OR old.lat IS NOT new.lat OR old.lon IS NOT new.lon OR old.publication IS NOT new.publication
BEGIN
    UPDATE report_cells SET n = n - 1, sum_lat = sum_lat - old.lat, sum_lon = sum_lon - old.lon
    WHERE old.publication = 'published' AND status = old.status AND category_id = old.category_id AND (
        (level = 2 AND cell = CAST((old.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((old.lon + 180.0) * 100.0 AS INTEGER)) OR
        (level = 1 AND cell = CAST((old.lat + 90.0) * 10.0 AS INTEGER) * 3601 + CAST((old.lon + 180.0) * 10.0 AS INTEGER)));
    INSERT INTO report_cells
        SELECT 2, CAST((new.lat + 90.0) * 100.0 AS INTEGER) * 36001 + CAST((new.lon + 180.0) * 100.0 AS INTEGER), new.status, new.category_id, 1, new.lat, new.lon
        WHERE new.publication = 'published'
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = n + 1, sum_lat = sum_lat + excluded.sum_lat, sum_lon = sum_lon + excluded.sum_lon;
    INSERT INTO report_cells
        SELECT 1, CAST((new.lat + 90.0) * 10.0 AS INTEGER) * 3601 + CAST((new.lon + 180.0) * 10.0 AS INTEGER), new.status, new.category_id, 1, new.lat, new.lon
        WHERE new.publication = 'published'
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = n + 1, sum_lat = sum_lat + excluded.sum_lat, sum_lon = sum_lon + excluded.sum_lon;
END;

-- "Is it already reported?" searches public reports only.
DROP TRIGGER reports_active_insert;
DROP TRIGGER reports_active_update;
CREATE TRIGGER reports_active_insert AFTER INSERT ON reports
WHEN new.status IN ('new', 'taken_in', 'in_progress') AND new.publication = 'published' BEGIN
    INSERT INTO reports_active_rtree VALUES (new.id, new.lon, new.lon, new.lat, new.lat, new.lat, new.lon, new.category_id);
END;
CREATE TRIGGER reports_active_update AFTER UPDATE OF status, category_id, lat, lon, publication ON reports BEGIN
    DELETE FROM reports_active_rtree WHERE id = old.id;
    INSERT INTO reports_active_rtree
    SELECT new.id, new.lon, new.lon, new.lat, new.lat, new.lat, new.lon, new.category_id
    WHERE new.status IN ('new', 'taken_in', 'in_progress') AND new.publication = 'published';
END;
