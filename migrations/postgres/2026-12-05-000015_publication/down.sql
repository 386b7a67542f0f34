CREATE OR REPLACE FUNCTION report_cells_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO report_cells AS c (level, cell, status, category_id, n, sum_lat, sum_lon)
        SELECT l.level, report_cell(r.lat, r.lon, l.level), r.status, r.category_id,
               count(*), sum(r.lat), sum(r.lon)
        FROM new_rows r CROSS JOIN (VALUES (1), (2)) AS l(level)
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = c.n + excluded.n, sum_lat = c.sum_lat + excluded.sum_lat, sum_lon = c.sum_lon + excluded.sum_lon;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO report_cells AS c (level, cell, status, category_id, n, sum_lat, sum_lon)
        SELECT l.level, report_cell(r.lat, r.lon, l.level), r.status, r.category_id,
               -count(*), -sum(r.lat), -sum(r.lon)
        FROM old_rows r CROSS JOIN (VALUES (1), (2)) AS l(level)
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = c.n + excluded.n, sum_lat = c.sum_lat + excluded.sum_lat, sum_lon = c.sum_lon + excluded.sum_lon;
    ELSE
        INSERT INTO report_cells AS c (level, cell, status, category_id, n, sum_lat, sum_lon)
        SELECT l.level, report_cell(v.lat, v.lon, l.level), v.status, v.category_id,
               sum(v.d), sum(v.d * v.lat), sum(v.d * v.lon)
        FROM (
            SELECT o.lat, o.lon, o.status, o.category_id, -1 AS d, n.lat AS nlat, n.lon AS nlon,
                   n.status AS nstatus, n.category_id AS ncategory
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            UNION ALL
            SELECT n.lat, n.lon, n.status, n.category_id, 1, o.lat, o.lon, o.status, o.category_id
            FROM old_rows o JOIN new_rows n ON n.id = o.id
        ) AS v
        CROSS JOIN (VALUES (1), (2)) AS l(level)
        WHERE (v.lat, v.lon, v.status, v.category_id) IS DISTINCT FROM (v.nlat, v.nlon, v.nstatus, v.ncategory)
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = c.n + excluded.n, sum_lat = c.sum_lat + excluded.sum_lat, sum_lon = c.sum_lon + excluded.sum_lon;
    END IF;
    RETURN NULL;
END
$$;
TRUNCATE report_cells;
INSERT INTO report_cells
SELECT l.level, report_cell(r.lat, r.lon, l.level), r.status, r.category_id, count(*), sum(r.lat), sum(r.lon)
FROM reports r CROSS JOIN (VALUES (1), (2)) AS l(level)
GROUP BY 1, 2, 3, 4;
DROP INDEX reports_active_location;
CREATE INDEX reports_active_location ON reports USING gist (point(lon, lat))
WHERE status IN ('new', 'taken_in', 'in_progress');
DROP INDEX reports_map_cell;
DROP INDEX reports_map_cell_street;
CREATE INDEX reports_map_cell ON reports (map_cell, id) INCLUDE (status, category_id, lat, lon);
CREATE INDEX reports_map_cell_street ON reports (map_cell_street, id) INCLUDE (status, category_id, lat, lon);
DROP INDEX attachments_publication;
DROP INDEX reports_publication;
ALTER TABLE attachments DROP COLUMN publication;
ALTER TABLE reports DROP COLUMN public_description;
ALTER TABLE reports DROP COLUMN public_title;
ALTER TABLE reports DROP COLUMN publication;
ALTER TABLE categories DROP COLUMN publication_policy;
ALTER TABLE municipalities DROP COLUMN publication_policy;
