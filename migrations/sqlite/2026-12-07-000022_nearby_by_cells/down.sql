CREATE VIRTUAL TABLE reports_active_rtree USING rtree(id, min_lon, max_lon, min_lat, max_lat, +lat, +lon, +category_id);
INSERT INTO reports_active_rtree
SELECT id, lon, lon, lat, lat, lat, lon, category_id FROM reports
WHERE status IN ('new', 'taken_in', 'in_progress') AND publication = 'published';
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
CREATE TRIGGER reports_active_delete AFTER DELETE ON reports BEGIN
    DELETE FROM reports_active_rtree WHERE id = old.id;
END;
