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
CREATE INDEX reports_map_cell ON reports (map_cell, id) INCLUDE (status, category_id, lat, lon, publication);
CREATE INDEX reports_map_cell_street ON reports (map_cell_street, id) INCLUDE (status, category_id, lat, lon, publication);

-- "Is it already reported?" searches public reports only.
DROP INDEX reports_active_location;
CREATE INDEX reports_active_location ON reports USING gist (point(lon, lat))
WHERE status IN ('new', 'taken_in', 'in_progress') AND publication = 'published';

-- The clusters count public reports only.
CREATE OR REPLACE FUNCTION report_cells_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO report_cells AS c (level, cell, status, category_id, n, sum_lat, sum_lon)
        SELECT l.level, report_cell(r.lat, r.lon, l.level), r.status, r.category_id,
               count(*), sum(r.lat), sum(r.lon)
        FROM new_rows r CROSS JOIN (VALUES (1), (2)) AS l(level)
        WHERE r.publication = 'published'
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = c.n + excluded.n, sum_lat = c.sum_lat + excluded.sum_lat, sum_lon = c.sum_lon + excluded.sum_lon;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO report_cells AS c (level, cell, status, category_id, n, sum_lat, sum_lon)
        SELECT l.level, report_cell(r.lat, r.lon, l.level), r.status, r.category_id,
               -count(*), -sum(r.lat), -sum(r.lon)
        FROM old_rows r CROSS JOIN (VALUES (1), (2)) AS l(level)
        WHERE r.publication = 'published'
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = c.n + excluded.n, sum_lat = c.sum_lat + excluded.sum_lat, sum_lon = c.sum_lon + excluded.sum_lon;
    ELSE
        INSERT INTO report_cells AS c (level, cell, status, category_id, n, sum_lat, sum_lon)
        SELECT l.level, report_cell(v.lat, v.lon, l.level), v.status, v.category_id,
               sum(v.d), sum(v.d * v.lat), sum(v.d * v.lon)
        FROM (
            SELECT o.lat, o.lon, o.status, o.category_id, -1 AS d
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE o.publication = 'published'
              AND (o.lat, o.lon, o.status, o.category_id, o.publication)
                  IS DISTINCT FROM (n.lat, n.lon, n.status, n.category_id, n.publication)
            UNION ALL
            SELECT n.lat, n.lon, n.status, n.category_id, 1
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE n.publication = 'published'
              AND (o.lat, o.lon, o.status, o.category_id, o.publication)
                  IS DISTINCT FROM (n.lat, n.lon, n.status, n.category_id, n.publication)
        ) AS v
        CROSS JOIN (VALUES (1), (2)) AS l(level)
        GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (level, cell, status, category_id) DO UPDATE
        SET n = c.n + excluded.n, sum_lat = c.sum_lat + excluded.sum_lat, sum_lon = c.sum_lon + excluded.sum_lon;
    END IF;
    RETURN NULL;
END
$$;
